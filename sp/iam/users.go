package iam

import (
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// IAM users, groups, login profiles, access keys and virtual MFA devices:
// what the break-glass IAM user of Failure Mode 1 needs (IAM User Guide,
// "Create an IAM user for emergency access"; model [R2]).

var reUserName = regexp.MustCompile(`^[\w+=,.@-]+$`)

func userName(r *awsquery.Request) (string, *awsquery.Error) {
	return required(r, "UserName", "userName", 1, 64, reUserName, `[\w+=,.@-]+`)
}

func groupName(r *awsquery.Request) (string, *awsquery.Error) {
	return required(r, "GroupName", "groupName", 1, 128, reUserName, `[\w+=,.@-]+`)
}

type xmlUser struct {
	Path       string `xml:"Path"`
	UserName   string `xml:"UserName"`
	UserID     string `xml:"UserId"`
	ARN        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func userXML(u store.User) xmlUser {
	return xmlUser{u.Path, u.Name, u.ID, u.ARN, isoTime(u.CreateDate)}
}

type xmlGroup struct {
	Path       string `xml:"Path"`
	GroupName  string `xml:"GroupName"`
	GroupID    string `xml:"GroupId"`
	ARN        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func groupXML(g store.Group) xmlGroup {
	return xmlGroup{g.Path, g.Name, g.ID, g.ARN, isoTime(g.CreateDate)}
}

func (s *Service) createUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := userName(r)
	if err != nil {
		return nil, err
	}
	path, err := optional(r, "Path", "path", 1, 512, rePath, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	if err != nil {
		return nil, err
	}
	if path == "" {
		path = "/"
	}
	u := store.User{Name: name, Path: path, ARN: "arn:aws:iam::" + caller.Account + ":user" + path + name,
		ID: store.NewID("AIDA", 17), CreateDate: s.now(), InlinePolicies: map[string]string{}, Tags: tags(r)}
	created, e := s.Store.PutUser(caller.Account, u)
	if e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "User with name %s already exists.", name)
	}
	return struct {
		User xmlUser `xml:"User"`
	}{userXML(created)}, nil
}

func (s *Service) user(caller store.Principal, r *awsquery.Request) (store.User, *awsquery.Error) {
	name := r.Get("UserName")
	if !r.Has("UserName") {
		// Without UserName, IAM answers for the calling user [R2].
		if caller.Type != store.IAMUser {
			return store.User{}, validation("null", "userName", "Member must not be null")
		}
		name = userNameOf(caller.ARN)
	} else if _, err := userName(r); err != nil {
		return store.User{}, err
	}
	u, e := s.Store.User(caller.Account, name)
	if e != nil {
		return store.User{}, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

func userNameOf(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

func (s *Service) getUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	return struct {
		User xmlUser `xml:"User"`
	}{userXML(u)}, nil
}

func (s *Service) listUsers(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	var list []xmlUser
	for _, u := range s.Store.Users(caller.Account) {
		list = append(list, userXML(u))
	}
	return struct {
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{list, false}, nil
}

func (s *Service) deleteUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	if len(u.InlinePolicies) > 0 || len(u.AttachedPolicies) > 0 || len(u.Groups) > 0 || u.Password != "" || len(s.Store.UserKeys(caller.Account, u.Name)) > 0 {
		return nil, awsquery.Errorf(http.StatusConflict, "DeleteConflict", "Cannot delete entity, must remove referenced objects first.")
	}
	if e := s.Store.DeleteUser(caller.Account, u.Name); e != nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", u.Name)
	}
	return nil, nil
}

func (s *Service) createGroup(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := groupName(r)
	if err != nil {
		return nil, err
	}
	g := store.Group{Name: name, Path: "/", ARN: "arn:aws:iam::" + caller.Account + ":group/" + name,
		ID: store.NewID("AGPA", 17), CreateDate: s.now(), InlinePolicies: map[string]string{}}
	created, e := s.Store.PutGroup(caller.Account, g)
	if e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "Group with name %s already exists.", name)
	}
	return struct {
		Group xmlGroup `xml:"Group"`
	}{groupXML(created)}, nil
}

func (s *Service) group(caller store.Principal, r *awsquery.Request) (store.Group, *awsquery.Error) {
	name, err := groupName(r)
	if err != nil {
		return store.Group{}, err
	}
	g, e := s.Store.Group(caller.Account, name)
	if e != nil {
		return store.Group{}, noSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, nil
}

func (s *Service) getGroup(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	g, err := s.group(caller, r)
	if err != nil {
		return nil, err
	}
	var members []xmlUser
	for _, u := range s.Store.Users(caller.Account) {
		if slices.Contains(u.Groups, g.Name) {
			members = append(members, userXML(u))
		}
	}
	return struct {
		Group       xmlGroup  `xml:"Group"`
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{groupXML(g), members, false}, nil
}

func (s *Service) addUserToGroup(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	g, err := s.group(caller, r)
	if err != nil {
		return nil, err
	}
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	_, e := s.Store.UpdateUser(caller.Account, u.Name, func(u *store.User) error {
		if !slices.Contains(u.Groups, g.Name) {
			u.Groups = append(u.Groups, g.Name)
		}
		return nil
	})
	if e != nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", u.Name)
	}
	return nil, nil
}

func (s *Service) removeUserFromGroup(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	g, err := s.group(caller, r)
	if err != nil {
		return nil, err
	}
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	_, e := s.Store.UpdateUser(caller.Account, u.Name, func(u *store.User) error {
		i := slices.Index(u.Groups, g.Name)
		if i < 0 {
			return store.ErrNotFound
		}
		u.Groups = slices.Delete(u.Groups, i, i+1)
		return nil
	})
	if e != nil {
		return nil, noSuchEntity("User %s is not in group %s.", u.Name, g.Name)
	}
	return nil, nil
}

func (s *Service) listGroupsForUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	var list []xmlGroup
	for _, name := range u.Groups {
		if g, e := s.Store.Group(caller.Account, name); e == nil {
			list = append(list, groupXML(g))
		}
	}
	return struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool       `xml:"IsTruncated"`
	}{list, false}, nil
}

func inlinePolicy(r *awsquery.Request) (name, doc string, err *awsquery.Error) {
	if name, err = policyName(r); err != nil {
		return "", "", err
	}
	if doc, err = required(r, "PolicyDocument", "policyDocument", 1, 131072, nil, ""); err != nil {
		return "", "", err
	}
	if err = identityPolicy(doc); err != nil {
		return "", "", err
	}
	return name, doc, nil
}

// createLoginProfile gives a user a console password. The emulator applies
// AWS's default password policy: at least 8 characters and three of
// upper-case, lower-case, digits and symbols (IAM User Guide, "Setting an
// account password policy").
func (s *Service) createLoginProfile(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	password, err := required(r, "Password", "password", 1, 128, nil, "")
	if err != nil {
		return nil, err
	}
	if !defaultPolicyAccepts(password) {
		return nil, awsquery.Errorf(http.StatusBadRequest, "PasswordPolicyViolation", "Password should have at least one uppercase letter, one lowercase letter, one number and one symbol, or three of those classes, and be at least 8 characters long.")
	}
	now := s.now()
	_, e := s.Store.UpdateUser(caller.Account, u.Name, func(u *store.User) error {
		if u.Password != "" {
			return store.ErrExists
		}
		u.Password, u.LoginSince = password, now
		return nil
	})
	if errors.Is(e, store.ErrExists) {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "Login Profile for user %s already exists.", u.Name)
	}
	return struct {
		LoginProfile loginProfile `xml:"LoginProfile"`
	}{loginProfile{u.Name, isoTime(now), false}}, nil
}

type loginProfile struct {
	UserName              string `xml:"UserName"`
	CreateDate            string `xml:"CreateDate"`
	PasswordResetRequired bool   `xml:"PasswordResetRequired"`
}

func defaultPolicyAccepts(p string) bool {
	if len(p) < 8 {
		return false
	}
	var upper, lower, digit, symbol bool
	for _, c := range p {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			symbol = true
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit, symbol} {
		if b {
			n++
		}
	}
	return n >= 3
}

func (s *Service) getLoginProfile(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	if u.Password == "" {
		return nil, noSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	return struct {
		LoginProfile loginProfile `xml:"LoginProfile"`
	}{loginProfile{u.Name, isoTime(u.LoginSince), false}}, nil
}

// maxAccessKeys is IAM's quota of access keys per user [R16].
const maxAccessKeys = 2

func (s *Service) createAccessKey(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	if len(s.Store.UserKeys(caller.Account, u.Name)) >= maxAccessKeys {
		return nil, awsquery.Errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
	}
	now := s.now()
	k := store.AccessKey{ID: store.NewID("AKIA", 16), Secret: store.NewSecret(), Created: now,
		Principal: store.Principal{Type: store.IAMUser, Account: caller.Account, ARN: u.ARN, UserID: u.ID}}
	s.Store.AddKey(k)
	type key struct {
		UserName        string `xml:"UserName"`
		AccessKeyID     string `xml:"AccessKeyId"`
		Status          string `xml:"Status"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		CreateDate      string `xml:"CreateDate"`
	}
	return struct {
		AccessKey key `xml:"AccessKey"`
	}{key{u.Name, k.ID, "Active", k.Secret, isoTime(now)}}, nil
}

func (s *Service) listAccessKeys(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	type meta struct {
		UserName    string `xml:"UserName"`
		AccessKeyID string `xml:"AccessKeyId"`
		Status      string `xml:"Status"`
		CreateDate  string `xml:"CreateDate"`
	}
	var list []meta
	for _, k := range s.Store.UserKeys(caller.Account, u.Name) {
		status := "Active"
		if k.Inactive {
			status = "Inactive"
		}
		list = append(list, meta{u.Name, k.ID, status, isoTime(k.Created)})
	}
	return struct {
		Keys        []meta `xml:"AccessKeyMetadata>member"`
		IsTruncated bool   `xml:"IsTruncated"`
	}{list, false}, nil
}

func (s *Service) userKey(caller store.Principal, r *awsquery.Request) (store.User, string, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return store.User{}, "", err
	}
	id, err := required(r, "AccessKeyId", "accessKeyId", 16, 128, nil, "")
	if err != nil {
		return store.User{}, "", err
	}
	for _, k := range s.Store.UserKeys(caller.Account, u.Name) {
		if k.ID == id {
			return u, id, nil
		}
	}
	return store.User{}, "", noSuchEntity("The Access Key with id %s cannot be found.", id)
}

func (s *Service) deleteAccessKey(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	_, id, err := s.userKey(caller, r)
	if err != nil {
		return nil, err
	}
	s.Store.DeleteKey(id)
	return nil, nil
}

func (s *Service) updateAccessKey(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	_, id, err := s.userKey(caller, r)
	if err != nil {
		return nil, err
	}
	status := r.Get("Status")
	if status != "Active" && status != "Inactive" {
		return nil, validation(status, "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	s.Store.UpdateKey(id, func(k *store.AccessKey) { k.Inactive = status == "Inactive" })
	return nil, nil
}

func (s *Service) createVirtualMFADevice(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := required(r, "VirtualMFADeviceName", "virtualMFADeviceName", 1, 226, reUserName, `[\w+=,.@-]+`)
	if err != nil {
		return nil, err
	}
	serial := "arn:aws:iam::" + caller.Account + ":mfa/" + name
	key, e := totp.Generate(totp.GenerateOpts{Issuer: "Amazon Web Services", AccountName: name + "@" + caller.Account, SecretSize: 40})
	if e != nil {
		return nil, awsquery.Internal()
	}
	if e := s.Store.PutMFADevice(caller.Account, store.MFADevice{SerialNumber: serial, Seed: key.Secret()}); e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.")
	}
	type device struct {
		SerialNumber     string `xml:"SerialNumber"`
		Base32StringSeed string `xml:"Base32StringSeed"`
		QRCodePNG        string `xml:"QRCodePNG"`
	}
	// The model returns both as base64 blobs: the seed's base32 text, and a
	// PNG of the otpauth URL.
	png := base64.StdEncoding.EncodeToString([]byte(key.URL()))
	return struct {
		Device device `xml:"VirtualMFADevice"`
	}{device{serial, base64.StdEncoding.EncodeToString([]byte(key.Secret())), png}}, nil
}

// validTOTP checks an RFC 6238 code at now (one step of skew), returning
// the accepted time step.
func validTOTP(seed, code string, now time.Time) (int64, bool) {
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for i := -1; i <= 1; i++ {
		t := now.Add(time.Duration(i) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(seed, t, opts)
		if err == nil && want == code {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

// enableMFADevice ties a virtual device to a user; IAM wants two
// consecutive codes (IAM User Guide, "Assign a virtual MFA device").
func (s *Service) enableMFADevice(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	serial, err := required(r, "SerialNumber", "serialNumber", 9, 256, nil, "")
	if err != nil {
		return nil, err
	}
	c1, c2 := r.Get("AuthenticationCode1"), r.Get("AuthenticationCode2")
	now := s.now()
	invalid := awsquery.Errorf(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	_, e := s.Store.UpdateMFADevice(caller.Account, serial, func(d *store.MFADevice) error {
		if d.User != "" {
			return store.ErrExists
		}
		s1, ok1 := validTOTP(d.Seed, c1, now.Add(-30*time.Second))
		s2, ok2 := validTOTP(d.Seed, c2, now)
		if !ok1 || !ok2 || s2 != s1+1 {
			return errInvalidCode
		}
		d.User, d.EnableDate, d.LastStep = u.Name, now, s2
		return nil
	})
	switch {
	case errors.Is(e, errInvalidCode):
		return nil, invalid
	case errors.Is(e, store.ErrExists):
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "MFA device is already in use.")
	case e != nil:
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	return nil, nil
}

var errInvalidCode = errors.New("invalid authentication code")

func (s *Service) deactivateMFADevice(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	serial, err := required(r, "SerialNumber", "serialNumber", 9, 256, nil, "")
	if err != nil {
		return nil, err
	}
	_, e := s.Store.UpdateMFADevice(caller.Account, serial, func(d *store.MFADevice) error {
		if d.User != u.Name {
			return store.ErrNotFound
		}
		d.User, d.EnableDate = "", time.Time{}
		return nil
	})
	if e != nil {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	return nil, nil
}

func (s *Service) listMFADevices(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	u, err := s.user(caller, r)
	if err != nil {
		return nil, err
	}
	type device struct {
		UserName     string `xml:"UserName"`
		SerialNumber string `xml:"SerialNumber"`
		EnableDate   string `xml:"EnableDate"`
	}
	var list []device
	for _, d := range s.Store.MFADevices(caller.Account) {
		if d.User == u.Name {
			list = append(list, device{u.Name, d.SerialNumber, isoTime(d.EnableDate)})
		}
	}
	return struct {
		Devices     []device `xml:"MFADevices>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{list, false}, nil
}

func (s *Service) listVirtualMFADevices(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	type device struct {
		SerialNumber string   `xml:"SerialNumber"`
		User         *xmlUser `xml:"User,omitempty"`
		EnableDate   string   `xml:"EnableDate,omitempty"`
	}
	var list []device
	for _, d := range s.Store.MFADevices(caller.Account) {
		dev := device{SerialNumber: d.SerialNumber}
		if d.User != "" {
			if u, e := s.Store.User(caller.Account, d.User); e == nil {
				x := userXML(u)
				dev.User, dev.EnableDate = &x, isoTime(d.EnableDate)
			}
		}
		list = append(list, dev)
	}
	return struct {
		Devices     []device `xml:"VirtualMFADevices>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{list, false}, nil
}

// UserPolicies returns the parsed identity-based policies of a user: its
// own inline and attached policies and those of its groups.
func UserPolicies(st *store.Store, account string, u store.User) []policy.Named {
	out := namedPolicies(st, account, nil, u.Name, u.InlinePolicies, u.AttachedPolicies)
	for _, gname := range u.Groups {
		if g, err := st.Group(account, gname); err == nil {
			out = namedPolicies(st, account, out, g.Name, g.InlinePolicies, g.AttachedPolicies)
		}
	}
	return out
}

// RolePolicies returns the parsed identity-based policies of a role of
// account; customer managed policies are read from st.
func RolePolicies(st *store.Store, account string, role store.Role) []policy.Named {
	return namedPolicies(st, account, nil, role.Name, role.InlinePolicies, role.AttachedPolicies)
}

// CallerPolicies returns the identity-based policies of whoever signed a
// request: a user's, or the role's of a role session; none for root.
func CallerPolicies(st *store.Store, caller store.Principal) []policy.Named {
	switch caller.Type {
	case store.IAMUser:
		if u, err := st.User(caller.Account, userNameOf(caller.ARN)); err == nil {
			return UserPolicies(st, caller.Account, u)
		}
	case store.AssumedRole:
		if role, err := st.Role(caller.Account, userNameOf(caller.RoleARN)); err == nil {
			return RolePolicies(st, caller.Account, role)
		}
	}
	return nil
}

// namedPolicies appends an owner's inline (sorted by name) and attached
// managed policies, parsed, to out: AWS managed ones, and customer managed
// ones of account at their default version, read from st.
func namedPolicies(st *store.Store, account string, out []policy.Named, owner string, inline map[string]string, attached []string) []policy.Named {
	names := make([]string, 0, len(inline))
	for n := range inline {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if p, err := policy.Parse(inline[n]); err == nil {
			out = append(out, policy.Named{ID: owner + "/" + n, Policy: p})
		}
	}
	for _, arn := range attached {
		if p, ok := managedPolicy(st, account, arn); ok {
			out = append(out, policy.Named{ID: arn, Policy: p})
		}
	}
	return out
}

// MFA failure messages, as STS words them (observed, reference 5.4 [R51]).
const (
	msgMFAInvalidCode = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	msgMFAUnknown     = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
	msgMFABoth        = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
)

// VerifyMFA checks an MFA serial number and code sent with an STS call by
// an IAM user: the device must be enabled for that user and the code valid
// now. A code is accepted once: its time step must be later than the last
// accepted one (strict choice; AWS documents no reuse rule). Both empty
// means no MFA was sent and returns ok=false without an error.
func VerifyMFA(st *store.Store, now time.Time, caller store.Principal, serial, code string) (ok bool, err *awsquery.Error) {
	if serial == "" && code == "" {
		return false, nil
	}
	denied := func(msg string) *awsquery.Error {
		return awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", msg)
	}
	if serial == "" || code == "" {
		return false, denied(msgMFABoth)
	}
	if caller.Type != store.IAMUser {
		return false, denied(msgMFAUnknown)
	}
	user := userNameOf(caller.ARN)
	_, e := st.UpdateMFADevice(caller.Account, serial, func(d *store.MFADevice) error {
		if d.User != user {
			return store.ErrNotFound
		}
		step, valid := validTOTP(d.Seed, code, now)
		if !valid || step <= d.LastStep {
			return errInvalidCode
		}
		d.LastStep = step
		return nil
	})
	switch {
	case errors.Is(e, errInvalidCode):
		return false, denied(msgMFAInvalidCode)
	case e != nil:
		return false, denied(msgMFAUnknown)
	}
	return true, nil
}
