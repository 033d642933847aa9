package store

import (
	"maps"
	"slices"
	"testing"
)

func TestAccountIDs(t *testing.T) {
	cases := []struct {
		name  string
		setUp func(t *testing.T, s *Store)
		want  []string
	}{
		{"empty", func(t *testing.T, s *Store) {}, []string{}},
		{"accounts with entities, sorted", func(t *testing.T, s *Store) {
			mustDo(t, second(s.PutRole("333333333333", Role{Name: "R"})))
			mustDo(t, second(s.PutUser("111111111111", User{Name: "u"})))
		}, []string{"111111111111", "333333333333"}},
		{"organization accounts without entities", func(t *testing.T, s *Store) {
			mustDo(t, second(s.CreateOrganization("444444444444")))
			p, err := s.PutSCP(SCP{Name: "deny"})
			mustDo(t, err)
			mustDo(t, s.AttachSCP(p.ID, "222222222222"))
			mustDo(t, second(s.PutRole("222222222222", Role{Name: "R"})))
		}, []string{"222222222222", "444444444444"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			tc.setUp(t, s)
			if got := s.AccountIDs(); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMFAUsers(t *testing.T) {
	s := New()
	const acct = "111111111111"
	mustDo(t, s.PutMFADevice(acct, MFADevice{SerialNumber: "arn:aws:iam::111111111111:mfa/alice", Seed: "SEED", User: "alice"}))
	mustDo(t, s.PutMFADevice(acct, MFADevice{SerialNumber: "arn:aws:iam::111111111111:mfa/spare", Seed: "SEED"}))
	want := map[string]string{"alice": "arn:aws:iam::111111111111:mfa/alice"}
	if got := s.MFAUsers(acct); !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := s.MFAUsers("999999999999"); len(got) != 0 {
		t.Errorf("unknown account: got %v, want none", got)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func second[T any](_ T, err error) error { return err }
