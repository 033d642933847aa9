package policy

import "sort"

// AWS managed policies the emulator knows, keyed by ARN. Each document
// says what is exact and what is approximated; MANAGED.md is the table of
// the same facts. Real AWS documents change over time (PowerUserAccess was
// at v12 in 2026); approximations grant the verbs that the named job
// function needs and never more than the real policy does for the
// services the drills exercise.
const managedPrefix = "arn:aws:iam::aws:policy/"

// managedDocs is a read-only table; nothing writes to it after
// initialisation.
var managedDocs = map[string]string{
	// AdministratorAccess: exact (Allow * on *).
	managedPrefix + "AdministratorAccess": `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
}`,

	// PowerUserAccess: exact, version v12 as shown in the AWS Managed Policy
	// Reference (docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html).
	managedPrefix + "PowerUserAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": [
      "account:GetAccountInformation",
      "account:GetGovCloudAccountInformation",
      "account:GetPrimaryEmail",
      "account:ListRegions",
      "iam:CreateServiceLinkedRole",
      "iam:DeleteServiceLinkedRole",
      "iam:ListRoles",
      "organizations:DescribeEffectivePolicy",
      "organizations:DescribeOrganization"
    ], "Resource": "*"}
  ]
}`,

	// ReadOnlyAccess: APPROXIMATED. The real policy lists thousands of
	// read actions service by service. We allow the read verbs AWS uses
	// across services (Get, List, Describe, BatchGet, Search, Lookup, View)
	// plus a few named reads. Known differences: "*:Get*" also allows data
	// reads the real policy omits (secretsmanager:GetSecretValue,
	// ssm:GetParameter with decryption, kms:GetPublicKey is fine); no write
	// verb (Create, Update, Put, Delete, Attach, Run, Start, Stop, Set) is
	// granted, so autoscaling:UpdateAutoScalingGroup is denied as in AWS.
	managedPrefix + "ReadOnlyAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ReadVerbs", "Effect": "Allow", "Action": [
      "*:Get*", "*:List*", "*:Describe*", "*:BatchGet*",
      "*:Search*", "*:Lookup*", "*:View*"
    ], "Resource": "*"},
    {"Sid": "NamedReads", "Effect": "Allow", "Action": [
      "dynamodb:Query", "dynamodb:Scan",
      "logs:FilterLogEvents", "logs:StartQuery", "logs:StopQuery", "logs:TestMetricFilter",
      "s3:HeadBucket", "athena:BatchGetQueryExecution",
      "cloudtrail:LookupEvents", "iam:GenerateCredentialReport", "iam:SimulateCustomPolicy",
      "iam:SimulatePrincipalPolicy", "sts:GetCallerIdentity"
    ], "Resource": "*"}
  ]
}`,

	// SecurityAudit: APPROXIMATED. The real policy reads configuration and
	// metadata (policies, configurations, logs settings) but not data. We
	// allow Describe/List everywhere plus the Get* forms that return
	// policies, configurations and account metadata.
	managedPrefix + "SecurityAudit": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": [
      "*:Describe*", "*:List*",
      "*:Get*Policy*", "*:Get*Configuration*", "*:Get*Acl*", "*:Get*Settings*",
      "*:GetAccount*", "*:Get*Status*", "*:GetBucket*",
      "iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetRole",
      "iam:GetUser", "iam:GetGroup", "iam:GetSAMLProvider", "iam:GetOpenIDConnectProvider",
      "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy",
      "cloudtrail:LookupEvents", "config:BatchGet*", "config:Select*",
      "sts:GetCallerIdentity"
    ], "Resource": "*"}
  ]
}`,

	// job-function/ViewOnlyAccess: APPROXIMATED. The real policy lists
	// List*/Describe* per service and a few Get* calls that return
	// metadata, never content (no s3:GetObject, no logs:GetLogEvents).
	managedPrefix + "job-function/ViewOnlyAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": [
      "*:List*", "*:Describe*",
      "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketVersioning",
      "s3:GetBucketLogging", "s3:GetBucketTagging", "s3:GetLifecycleConfiguration",
      "iam:GetAccountSummary", "iam:GetAccountPasswordPolicy", "iam:GetLoginProfile",
      "iam:GetRole", "iam:GetUser", "iam:GetGroup", "iam:GetPolicy", "iam:GetPolicyVersion",
      "cloudtrail:GetTrailStatus", "cloudtrail:LookupEvents",
      "config:GetComplianceSummaryByConfigRule",
      "sts:GetCallerIdentity"
    ], "Resource": "*"}
  ]
}`,

	// job-function/SystemAdministrator: EXACT as of AWS version v6
	// (2020-08-24), transcribed from the policy document mirrored by
	// github.com/zoph-io/MAMIP (policies/SystemAdministrator). Later AWS
	// edits, if any, are not reflected. Note what it lacks: iam:CreateUser,
	// iam:AttachRolePolicy, iam:PutRolePolicy, iam:UpdateAssumeRolePolicy;
	// iam:PassRole only on the documented role-name patterns.
	managedPrefix + "job-function/SystemAdministrator": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Resource": "*", "Action": [
      "acm:Describe*", "acm:Get*", "acm:List*", "acm:Request*", "acm:Resend*",
      "autoscaling:*",
      "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:ListPublicKeys",
      "cloudtrail:ListTags", "cloudtrail:LookupEvents", "cloudtrail:StartLogging", "cloudtrail:StopLogging",
      "cloudwatch:*",
      "codecommit:BatchGetRepositories", "codecommit:CreateBranch", "codecommit:CreateRepository",
      "codecommit:Get*", "codecommit:GitPull", "codecommit:GitPush", "codecommit:List*",
      "codecommit:Put*", "codecommit:Test*", "codecommit:Update*",
      "codedeploy:*", "codepipeline:*", "config:*", "ds:*",
      "ec2:Allocate*", "ec2:AssignPrivateIpAddresses*", "ec2:Associate*",
      "ec2:AttachInternetGateway", "ec2:AttachNetworkInterface", "ec2:AttachVpnGateway",
      "ec2:Bundle*", "ec2:Cancel*", "ec2:Copy*", "ec2:CreateCustomerGateway", "ec2:CreateDhcpOptions",
      "ec2:CreateFlowLogs", "ec2:CreateImage", "ec2:CreateInstanceExportTask", "ec2:CreateInternetGateway",
      "ec2:CreateKeyPair", "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
      "ec2:CreateNatGateway", "ec2:CreateNetworkInterface", "ec2:CreatePlacementGroup",
      "ec2:CreateReservedInstancesListing", "ec2:CreateRoute", "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateSpotDatafeedSubscription",
      "ec2:CreateSubnet", "ec2:CreateTags", "ec2:CreateVolume", "ec2:CreateVpc", "ec2:CreateVpcEndpoint",
      "ec2:CreateVpnConnection", "ec2:CreateVpnConnectionRoute", "ec2:CreateVpnGateway",
      "ec2:DeleteFlowLogs", "ec2:DeleteKeyPair", "ec2:DeleteLaunchTemplate", "ec2:DeleteLaunchTemplateVersions",
      "ec2:DeleteNatGateway", "ec2:DeleteNetworkInterface", "ec2:DeletePlacementGroup", "ec2:DeleteSnapshot",
      "ec2:DeleteSpotDatafeedSubscription", "ec2:DeleteSubnet", "ec2:DeleteTags", "ec2:DeleteVpc",
      "ec2:DeleteVpcEndpoints", "ec2:DeleteVpnConnection", "ec2:DeleteVpnConnectionRoute",
      "ec2:DeleteVpnGateway", "ec2:DeregisterImage", "ec2:Describe*", "ec2:DetachInternetGateway",
      "ec2:DetachNetworkInterface", "ec2:DetachVpnGateway", "ec2:DisableVgwRoutePropagation",
      "ec2:DisableVpcClassicLinkDnsSupport", "ec2:DisassociateAddress", "ec2:DisassociateRouteTable",
      "ec2:EnableVgwRoutePropagation", "ec2:EnableVolumeIO", "ec2:EnableVpcClassicLinkDnsSupport",
      "ec2:GetConsoleOutput", "ec2:GetHostReservationPurchasePreview", "ec2:GetLaunchTemplateData",
      "ec2:GetPasswordData", "ec2:Import*", "ec2:Modify*", "ec2:MonitorInstances", "ec2:MoveAddressToVpc",
      "ec2:Purchase*", "ec2:RegisterImage", "ec2:Release*", "ec2:Replace*", "ec2:ReportInstanceStatus",
      "ec2:Request*", "ec2:Reset*", "ec2:RestoreAddressToClassic", "ec2:RunScheduledInstances",
      "ec2:UnassignPrivateIpAddresses", "ec2:UnmonitorInstances",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "elasticloadbalancing:*", "events:*",
      "iam:GetAccount*", "iam:GetContextKeys*", "iam:GetCredentialReport", "iam:ListAccountAliases",
      "iam:ListGroups", "iam:ListOpenIDConnectProviders", "iam:ListPolicies",
      "iam:ListPoliciesGrantingServiceAccess", "iam:ListRoles", "iam:ListSAMLProviders",
      "iam:ListServerCertificates", "iam:Simulate*", "iam:UpdateServerCertificate",
      "iam:UpdateSigningCertificate",
      "kinesis:ListStreams", "kinesis:PutRecord",
      "kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*", "kms:GenerateRandom",
      "kms:Get*", "kms:List*", "kms:Encrypt", "kms:ReEncrypt*",
      "lambda:Create*", "lambda:Delete*", "lambda:Get*", "lambda:InvokeFunction", "lambda:List*",
      "lambda:PublishVersion", "lambda:Update*",
      "logs:*", "rds:Describe*", "rds:ListTagsForResource", "route53:*", "route53domains:*",
      "ses:*", "sns:*", "sqs:*", "trustedadvisor:*"
    ]},
    {"Effect": "Allow", "Resource": ["*"], "Action": [
      "ec2:AcceptVpcPeeringConnection", "ec2:AttachClassicLinkVpc", "ec2:AttachVolume",
      "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateVpcPeeringConnection", "ec2:DeleteCustomerGateway", "ec2:DeleteDhcpOptions",
      "ec2:DeleteInternetGateway", "ec2:DeleteNetworkAcl*", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup", "ec2:DeleteVolume", "ec2:DeleteVpcPeeringConnection",
      "ec2:DetachClassicLinkVpc", "ec2:DetachVolume", "ec2:DisableVpcClassicLink",
      "ec2:EnableVpcClassicLink", "ec2:GetConsoleScreenshot", "ec2:RebootInstances",
      "ec2:RejectVpcPeeringConnection", "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RunInstances", "ec2:StartInstances",
      "ec2:StopInstances", "ec2:TerminateInstances"
    ]},
    {"Effect": "Allow", "Action": "s3:*", "Resource": ["*"]},
    {"Effect": "Allow", "Resource": ["*"], "Action": [
      "iam:GetAccessKeyLastUsed", "iam:GetGroup*", "iam:GetInstanceProfile", "iam:GetLoginProfile",
      "iam:GetOpenIDConnectProvider", "iam:GetPolicy*", "iam:GetRole*", "iam:GetSAMLProvider",
      "iam:GetSSHPublicKey", "iam:GetServerCertificate", "iam:GetServiceLastAccessed*", "iam:GetUser*",
      "iam:ListAccessKeys", "iam:ListAttached*", "iam:ListEntitiesForPolicy", "iam:ListGroupPolicies",
      "iam:ListGroupsForUser", "iam:ListInstanceProfiles*", "iam:ListMFADevices",
      "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListSSHPublicKeys",
      "iam:ListSigningCertificates", "iam:ListUserPolicies", "iam:Upload*"
    ]},
    {"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles", "iam:PassRole"], "Resource": [
      "arn:aws:iam::*:role/rds-monitoring-role",
      "arn:aws:iam::*:role/ec2-sysadmin-*",
      "arn:aws:iam::*:role/ecr-sysadmin-*",
      "arn:aws:iam::*:role/lambda-sysadmin-*"
    ]}
  ]
}`,

	// job-function/NetworkAdministrator: APPROXIMATED. Network
	// configuration in EC2 (VPCs, subnets, routes, gateways, ACLs, endpoints,
	// flow logs, addresses, interfaces), Direct Connect, Route 53, load
	// balancer reads, CloudWatch/Logs reads, and iam:PassRole for flow-logs
	// roles, as the real policy's purpose statement describes. No instance
	// lifecycle (RunInstances, TerminateInstances) and no IAM writes.
	managedPrefix + "job-function/NetworkAdministrator": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Resource": "*", "Action": [
      "autoscaling:Describe*", "ec2:Describe*", "ec2:Get*",
      "ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*", "ec2:*Gateway*", "ec2:*NetworkAcl*",
      "ec2:*DhcpOptions*", "ec2:*Address*", "ec2:*FlowLogs*", "ec2:*NetworkInterface*",
      "ec2:CreateTags", "ec2:DeleteTags",
      "directconnect:*", "route53:*", "route53domains:*", "route53resolver:*",
      "elasticloadbalancing:Describe*", "cloudfront:List*", "cloudfront:Get*",
      "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
      "logs:Describe*", "logs:Get*", "logs:FilterLogEvents",
      "sns:List*", "sts:GetCallerIdentity"
    ]},
    {"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles", "iam:PassRole"],
     "Resource": "arn:aws:iam::*:role/flow-logs-*"}
  ]
}`,

	// job-function/DatabaseAdministrator: APPROXIMATED. Full control of the
	// managed database services (RDS, DynamoDB, ElastiCache, Redshift,
	// Data Pipeline), their monitoring (CloudWatch, Logs, SNS topics for
	// alarms), EC2 network reads, S3 for backups and exports, and
	// iam:PassRole for the database service roles the real policy names.
	managedPrefix + "job-function/DatabaseAdministrator": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Resource": "*", "Action": [
      "rds:*", "dynamodb:*", "elasticache:*", "redshift:*", "datapipeline:*",
      "cloudwatch:*", "logs:*", "sns:CreateTopic", "sns:List*", "sns:Subscribe",
      "ec2:Describe*", "kms:ListKeys", "kms:ListAliases", "kms:DescribeKey",
      "s3:CreateBucket", "s3:List*", "s3:Get*", "s3:PutObject",
      "iam:ListRoles", "iam:GetRole", "sts:GetCallerIdentity"
    ]},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [
      "arn:aws:iam::*:role/rds-monitoring-role",
      "arn:aws:iam::*:role/rdbms-lambda-access",
      "arn:aws:iam::*:role/lambda_exec_role",
      "arn:aws:iam::*:role/lambda-dynamodb-*",
      "arn:aws:iam::*:role/lambda-vpc-execution-role",
      "arn:aws:iam::*:role/DataPipelineDefaultRole",
      "arn:aws:iam::*:role/DataPipelineDefaultResourceRole"
    ]}
  ]
}`,
}

// Managed returns the document of an AWS managed policy by ARN, e.g.
// "arn:aws:iam::aws:policy/ReadOnlyAccess" or
// "arn:aws:iam::aws:policy/job-function/SystemAdministrator", freshly
// parsed (the caller owns it). ok is false for a policy the emulator does
// not know. The documents are exact or approximated as MANAGED.md says.
func Managed(arn string) (p *Policy, ok bool) {
	doc, ok := managedDocs[arn]
	if !ok {
		return nil, false
	}
	p, err := Parse(doc)
	if err != nil {
		// The documents are constants checked by TestManagedDocumentsParse.
		panic("policy: built-in managed policy " + arn + " does not parse: " + err.Error())
	}
	return p, true
}

// ManagedARNs lists the ARNs Managed knows, sorted.
func ManagedARNs() []string {
	out := make([]string, 0, len(managedDocs))
	for arn := range managedDocs {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}
