package policy

import "testing"

func TestManagedDocumentsParse(t *testing.T) {
	for _, arn := range ManagedARNs() {
		t.Run(arn, func(t *testing.T) {
			p, err := Parse(managedDocs[arn])
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := ValidateIdentity(p); err != nil {
				t.Errorf("ValidateIdentity: %v", err)
			}
			if _, ok := Managed(arn); !ok {
				t.Errorf("Managed(%q): got not found, want found", arn)
			}
		})
	}
	if _, ok := Managed("arn:aws:iam::aws:policy/NoSuchPolicy"); ok {
		t.Errorf("Managed(unknown): got found, want not found")
	}
	if got, want := len(ManagedARNs()), 8; got != want {
		t.Errorf("got %d managed policies, want %d", got, want)
	}
}

func TestManagedReturnsFreshCopies(t *testing.T) {
	a, _ := Managed("arn:aws:iam::aws:policy/AdministratorAccess")
	a.Statements[0].Effect = Deny
	b, _ := Managed("arn:aws:iam::aws:policy/AdministratorAccess")
	if b.Statements[0].Effect != Allow {
		t.Errorf("got effect %s after a caller's edit, want Allow", b.Statements[0].Effect)
	}
}
