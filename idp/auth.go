package idp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
)

// ErrBadCredentials is returned for a wrong username, password or TOTP code
// alike, so callers cannot tell which part was wrong.
var ErrBadCredentials = errors.New("the username, password or verification code is incorrect")

// totpPeriod and totpSkew follow RFC 6238's recommendations: 30-second
// steps, one step of tolerance either way.
const (
	totpPeriod = 30
	totpSkew   = 1
)

// dummyHash is compared against when the user does not exist, so an unknown
// username costs the same bcrypt time as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("no user has this password"), bcrypt.DefaultCost)
	if err != nil {
		return nil
	}
	return h
})

// CheckPassword verifies a user's password. It returns ErrBadCredentials for
// an unknown user or a wrong password.
func (p *Provider) CheckPassword(username, password string) error {
	p.mu.RLock()
	u, ok := p.users[username]
	p.mu.RUnlock()
	hash := dummyHash()
	if ok && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if !ok || u.PasswordHash == "" || err != nil {
		return ErrBadCredentials
	}
	return nil
}

// HasUser reports whether the directory has the user.
func (p *Provider) HasUser(username string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	_, ok := p.users[username]
	return ok
}

// NeedsTOTP reports whether the user is enrolled in TOTP.
func (p *Provider) NeedsTOTP(username string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.users[username].TOTPSecret != ""
}

// CheckTOTP verifies an RFC 6238 code for the user at the Provider's clock,
// allowing one 30-second step of skew. A code is accepted once: a code of a
// step at or before the last accepted one is refused (RFC 6238 section 5.2),
// so a code seen over a shoulder cannot be replayed within its window.
func (p *Provider) CheckTOTP(username, code string) error {
	code = strings.TrimSpace(code)
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[username]
	if !ok || u.TOTPSecret == "" || len(code) != 6 {
		return ErrBadCredentials
	}
	now := p.now()
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / totpPeriod
	for i := -totpSkew; i <= totpSkew; i++ {
		want, err := totp.GenerateCodeCustom(u.TOTPSecret, now.Add(time.Duration(i)*totpPeriod*time.Second), opts)
		if err != nil {
			return fmt.Errorf("totp secret of %q: %w", username, err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if last, used := p.totpUsed[username]; used && step+int64(i) <= last {
			return ErrBadCredentials
		}
		p.totpUsed[username] = step + int64(i)
		return nil
	}
	return ErrBadCredentials
}

// TOTPCode returns the current code for a user's secret: what the user's
// authenticator app shows. Scenarios use it to sign in as the user would.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}
