package landscape

import (
	"maps"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/breakglass-dev/breakglass/idp"
)

// IdP converts the landscape's IdP part to the idp package's types: the
// directory (users, groups, and one membership per user group) and the
// federation apps. The result shares nothing with l.
func (l *Landscape) IdP() (idp.Directory, []idp.App) {
	ip := l.IdentityProvider
	var dir idp.Directory
	for _, g := range ip.Groups {
		dir.Groups = append(dir.Groups, idp.Group{Name: g.Name, Description: g.Description})
	}
	for _, u := range ip.Users {
		dir.Users = append(dir.Users, idp.User{
			Username:     u.Username,
			PasswordHash: u.PasswordHash,
			TOTPSecret:   u.TOTPSecret,
			Admin:        u.Admin,
			Attributes:   maps.Clone(u.Attributes),
		})
		for _, m := range u.Groups {
			dir.Memberships = append(dir.Memberships, idp.Membership{User: u.Username, Group: m.Group, Expires: m.Expires})
		}
	}
	apps := make([]idp.App, 0, len(ip.Apps))
	for _, a := range ip.Apps {
		apps = append(apps, a.idpApp())
	}
	return dir, apps
}

func (a App) idpApp() idp.App {
	acs := a.ACS
	if a.Region != "" {
		acs = idp.RegionalSignInURL(a.Region)
	}
	format := a.NameIDFormat
	if uri, ok := nameIDFormats[format]; ok {
		format = uri
	}
	return idp.App{
		ID:                       a.ID,
		Label:                    a.Label,
		Enabled:                  a.Enabled,
		GroupFilter:              a.GroupFilter,
		RoleValuePattern:         a.RoleValuePattern,
		RoleSessionNameAttribute: a.RoleSessionName,
		NameIDAttribute:          a.NameID,
		NameIDFormat:             format,
		SessionDuration:          time.Duration(a.SessionDuration) * time.Second,
		SourceIdentityAttribute:  a.SourceIdentity,
		PrincipalTags:            maps.Clone(a.PrincipalTags),
		TransitiveTagKeys:        slices.Clone(a.TransitiveTagKeys),
		ACS:                      acs,
		Audience:                 a.Audience,
		Sign:                     idp.SignMode(a.Sign),
		SignatureAlgorithm:       idp.SignatureAlgorithm(a.SignatureAlgorithm),
		AssertionLifetime:        time.Duration(a.AssertionLifetime) * time.Second,
	}
}

// UsesDemoPassword reports whether anyone in the landscape signs in with
// a demo password: an IdP user whose hash matches DemoPassword, or an IAM
// user whose console password is DemoPassword or DemoIAMPassword. Such a landscape must stay on loopback. It costs
// one bcrypt comparison per IdP user.
func (l *Landscape) UsesDemoPassword() bool {
	for _, a := range l.Accounts {
		for _, u := range a.Users {
			if u.ConsolePassword == DemoPassword || u.ConsolePassword == DemoIAMPassword {
				return true
			}
		}
	}
	for _, u := range l.IdentityProvider.Users {
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(DemoPassword)) == nil {
			return true
		}
	}
	return false
}
