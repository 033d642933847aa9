package sp_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// tagged is one taggable kind of IAM entity, driven through its three
// actions.
type tagged struct {
	name  string
	tag   func(ctx context.Context, tags []types.Tag) error
	untag func(ctx context.Context, keys []string) error
	list  func(ctx context.Context) ([]types.Tag, error)
}

func tagMap(ts []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func TestTags(t *testing.T) {
	ctx := t.Context()
	clients, _ := accounts(t, "777777777777")
	c := clients[0]
	raw, err := os.ReadFile("../../shared/testdata/metadata/okta-dev-tenant-idp.xml")
	if err != nil {
		t.Fatal(err)
	}
	// Tags given at creation are listed by the List*Tags actions.
	created := []types.Tag{tag("team", "sre")}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Ops"), AssumeRolePolicyDocument: aws.String(trust), Tags: created}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Tags: created}); err != nil {
		t.Fatal(err)
	}
	prov, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(string(raw)), Tags: created})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(listRolesPolicy), Tags: created})
	if err != nil {
		t.Fatal(err)
	}
	provARN, polARN := prov.SAMLProviderArn, pol.Policy.Arn

	kinds := []tagged{
		{"role",
			func(ctx context.Context, ts []types.Tag) error {
				return second(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("Ops"), Tags: ts}))
			},
			func(ctx context.Context, ks []string) error {
				return second(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("Ops"), TagKeys: ks}))
			},
			func(ctx context.Context) ([]types.Tag, error) {
				out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("Ops")})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}},
		{"user",
			func(ctx context.Context, ts []types.Tag) error {
				return second(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: ts}))
			},
			func(ctx context.Context, ks []string) error {
				return second(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("alice"), TagKeys: ks}))
			},
			func(ctx context.Context) ([]types.Tag, error) {
				out, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}},
		{"SAML provider",
			func(ctx context.Context, ts []types.Tag) error {
				return second(c.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: provARN, Tags: ts}))
			},
			func(ctx context.Context, ks []string) error {
				return second(c.UntagSAMLProvider(ctx, &iam.UntagSAMLProviderInput{SAMLProviderArn: provARN, TagKeys: ks}))
			},
			func(ctx context.Context) ([]types.Tag, error) {
				out, err := c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: provARN})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}},
		{"policy",
			func(ctx context.Context, ts []types.Tag) error {
				return second(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: polARN, Tags: ts}))
			},
			func(ctx context.Context, ks []string) error {
				return second(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: polARN, TagKeys: ks}))
			},
			func(ctx context.Context) ([]types.Tag, error) {
				out, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: polARN})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}},
	}

	many := func(n int) []types.Tag {
		var out []types.Tag
		for i := range n {
			out = append(out, tag(fmt.Sprintf("k%02d", i), "v"))
		}
		return out
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			expect := func(t *testing.T, want map[string]string) {
				t.Helper()
				ts, err := kind.list(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got := tagMap(ts); !reflect.DeepEqual(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			}
			expect(t, map[string]string{"team": "sre"})

			if err := kind.tag(ctx, []types.Tag{tag("env", "prod"), tag("cost-center", "42")}); err != nil {
				t.Fatal(err)
			}
			expect(t, map[string]string{"team": "sre", "env": "prod", "cost-center": "42"})

			// Keys are case-insensitive: tagging ENV replaces env, key included.
			if err := kind.tag(ctx, []types.Tag{tag("ENV", "staging")}); err != nil {
				t.Fatal(err)
			}
			expect(t, map[string]string{"team": "sre", "ENV": "staging", "cost-center": "42"})

			if err := kind.untag(ctx, []string{"Cost-Center", "absent"}); err != nil {
				t.Fatal(err)
			}
			expect(t, map[string]string{"team": "sre", "ENV": "staging"})

			errorCases := []struct {
				name string
				tags []types.Tag
				want string
			}{
				{"duplicate keys ignoring case", []types.Tag{tag("a", "1"), tag("A", "2")}, "InvalidInput"},
				{"invalid key character", []types.Tag{tag("a*b", "1")}, "ValidationError"},
				{"invalid value character", []types.Tag{tag("a", "x(y)")}, "ValidationError"},
				{"key too long", []types.Tag{tag(strings.Repeat("k", 129), "1")}, "ValidationError"},
				{"empty key", []types.Tag{tag("", "1")}, "ValidationError"},
				{"more than 50 in one request", many(51), "ValidationError"},
				{"more than 50 in all", many(49), "LimitExceeded"},
			}
			for _, tc := range errorCases {
				t.Run(tc.name, func(t *testing.T) {
					if err := kind.tag(ctx, tc.tags); apiCode(err) != tc.want {
						t.Errorf("got %v, want %s", err, tc.want)
					}
				})
			}
			expect(t, map[string]string{"team": "sre", "ENV": "staging"})

			// 48 more reach exactly 50; replacing one at the limit is allowed.
			if err := kind.tag(ctx, many(48)); err != nil {
				t.Fatalf("tag up to 50: %v", err)
			}
			if err := kind.tag(ctx, []types.Tag{tag("TEAM", "platform")}); err != nil {
				t.Errorf("replace at 50: %v", err)
			}
			ts, err := kind.list(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 50 || tagMap(ts)["TEAM"] != "platform" {
				t.Errorf("got %d tags with TEAM=%q, want 50 with TEAM=platform", len(ts), tagMap(ts)["TEAM"])
			}
		})
	}

	t.Run("unknown entities", func(t *testing.T) {
		cases := []struct {
			name string
			call func() error
		}{
			{"role", func() error {
				return second(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("Nope")}))
			}},
			{"user", func() error {
				return second(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("nope"), Tags: []types.Tag{tag("a", "b")}}))
			}},
			{"provider", func() error {
				return second(c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String("arn:aws:iam::777777777777:saml-provider/Nope")}))
			}},
			{"policy", func() error {
				return second(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String("arn:aws:iam::777777777777:policy/Nope"), TagKeys: []string{"a"}}))
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.call(); apiCode(err) != "NoSuchEntity" {
					t.Errorf("got %v, want NoSuchEntity", err)
				}
			})
		}
	})
}
