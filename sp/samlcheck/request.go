package samlcheck

// CheckRequest applies AssumeRoleWithSAML's model constraints (lengths of
// RoleArn, PrincipalArn and SAMLAssertion, the DurationSeconds range) and
// returns AWS's ValidationError, or nil. AWS checks the model before any
// service logic, so STS calls it before looking the provider up [R1][R52].
func CheckRequest(req Request) error {
	if e := checkModel(req); e != nil {
		return e
	}
	return nil
}
