// Package policy is an organization's customer-harassment policy as data: the
// YAML format, its parser and linter, the embedded presets, rendering to HTML
// and Markdown, a structural diff and the judgement engine. Everything here is
// pure (no I/O beyond the writers passed in), so the server, the CLI and tests
// all call the same functions.
//
// Struct tags drive the parser, the linter and the JSON Schema at once:
// `yaml` names the key, `lint:"required"` marks a key that must be present,
// `enum` lists the allowed values and `doc` becomes the schema description.
package policy

import kasuhara "github.com/kasuhara/kasuhara"

// FormatVersion is the value the `format` key must carry.
const FormatVersion = "kasuhara.policy/v1"

// Kinds of policy document.
const (
	KindBasicPolicy    = "basic_policy"    // 基本方針
	KindCodeOfConduct  = "code_of_conduct" // 行動指針
	KindResponsePolicy = "response_policy" // 対応方針
)

// Definition models.
const (
	ModelTwoAxis       = "mhlw_two_axis"  // 要求内容の妥当性 × 手段・態様の相当性 (MHLW 2022)
	ModelThreeElements = "three_elements" // 優越的な立場・不当行為/不当要求・就業環境の悪化
)

// Axes on which a behaviour type is placed (000's three groups).
const (
	// AxisDemandInvalid: the demand itself is not valid (要求の内容が妥当ではない).
	AxisDemandInvalid = "demand_invalid"
	// AxisMeansAlways: the means are inappropriate whatever the demand (要求の妥当性にかかわらず不相当).
	AxisMeansAlways = "means_inappropriate_always"
	// AxisMeansRelative: the means are inappropriate in light of the demand (要求の妥当性に照らして不相当).
	AxisMeansRelative = "means_inappropriate_relative"
)

// Channels through which a customer contacts the organization.
var Channels = []string{"face_to_face", "phone", "email", "letter", "chat", "sns", "visit"}

// BuiltinRoles are the roles every policy may refer to without declaring them.
var BuiltinRoles = []string{"staff", "supervisor", "executive", "desk", "admin", "auditor"}

// Policy is one published customer-harassment policy (カスタマーハラスメント対策方針).
type Policy struct {
	Format           string           `yaml:"format" lint:"required" doc:"format version, always kasuhara.policy/v1"`
	ID               string           `yaml:"id" lint:"required" doc:"stable identifier (lower-case letters, digits, hyphens)"`
	Title            string           `yaml:"title" lint:"required" doc:"title as published (表題)"`
	Kind             string           `yaml:"kind" lint:"required" enum:"basic_policy,code_of_conduct,response_policy" doc:"基本方針 / 行動指針 / 対応方針"`
	Lang             string           `yaml:"lang" enum:"ja,en" doc:"language the policy is written in"`
	Source           string           `yaml:"source" doc:"where the text was taken from"`
	Organization     Organization     `yaml:"organization" lint:"required" doc:"the organization that publishes the policy"`
	Enactment        Enactment        `yaml:"enactment" lint:"required" doc:"enactment, revisions and approving authority (制定・改訂・制定権限)"`
	References       []Reference      `yaml:"references" doc:"reference documents (参考文書)"`
	Preamble         []Section        `yaml:"preamble" doc:"background, purpose and basic stance, in order (背景・目的・基本方針)"`
	Scope            Scope            `yaml:"scope" lint:"required" doc:"who counts as a customer and who is protected"`
	Definition       Definition       `yaml:"definition" lint:"required" doc:"the definition of customer harassment (定義)"`
	NotHarassment    NotHarassment    `yaml:"not_harassment" doc:"what is not harassment and the duty to respond sincerely (対象とはならない行為)"`
	Harassment       Harassment       `yaml:"harassment" lint:"required" doc:"the behaviour types that count as harassment (対象となる行為・類型)"`
	Roles            []Role           `yaml:"roles" doc:"roles the policy declares beyond the built-in ones"`
	Procedure        Procedure        `yaml:"procedure" doc:"the response procedure as ordered steps (発生時の対応)"`
	Channels         []ChannelActions `yaml:"channels" doc:"actions per contact channel (対応の中断)"`
	Sanctions        Sanctions        `yaml:"sanctions" doc:"sanctions on the customer (対応のお断り・利用制限・会員資格のはく奪)"`
	Records          Records          `yaml:"records" doc:"record keeping (記録の保存)"`
	External         External         `yaml:"external" doc:"external cooperation (外部機関との連携)"`
	Structure        Structure        `yaml:"structure" doc:"internal structure (社内体制の整備)"`
	StaffCare        StaffCare        `yaml:"staff_care" doc:"care for staff (従業員への対応)"`
	StaffAsCustomers TextBlock        `yaml:"staff_as_customers" doc:"staff must not harass others as customers (自らが顧客等として)"`
	Thresholds       Thresholds       `yaml:"thresholds" doc:"numbers the system enforces"`
	Scripts          Scripts          `yaml:"scripts" doc:"phrases staff may use at each stage"`
	Closing          []Section        `yaml:"closing" doc:"closing sections (お客様へのお願い・最後に)"`
}

// Open marks a part that the source leaves open, so an organization sees
// what it still has to decide instead of an invented default.
type Open struct {
	Open bool   `yaml:"open" doc:"true when the source leaves this open"`
	Note string `yaml:"note" doc:"why it is open, or a remark about the source"`
}

// Organization is the publisher of the policy.
type Organization struct {
	Name           string  `yaml:"name" lint:"required" doc:"legal name"`
	Group          string  `yaml:"group" doc:"group the organization belongs to"`
	Representative string  `yaml:"representative" doc:"representative as signed (代表者)"`
	Contact        Contact `yaml:"contact" doc:"public contact for complaints and enquiries (お問い合わせ先)"`
}

// Contact is a postal, phone and mail contact.
type Contact struct {
	Label      string `yaml:"label" doc:"heading as published"`
	Person     string `yaml:"person" doc:"person or post in charge"`
	PostalCode string `yaml:"postal_code"`
	Address    string `yaml:"address"`
	Phone      string `yaml:"phone"`
	Email      string `yaml:"email"`
	Hours      string `yaml:"hours" doc:"opening hours (承り時間)"`
	Open       `yaml:",inline"`
}

// Enactment records when and by whom the policy was made.
type Enactment struct {
	Enacted    Date   `yaml:"enacted" doc:"date of enactment (制定日), YYYY-MM-DD or YYYY-MM"`
	Revised    []Date `yaml:"revised" doc:"dates of revision (改訂日), oldest first"`
	ApprovedBy string `yaml:"approved_by" doc:"approving authority (制定権限), e.g. 理事会, 代表取締役"`
	Signatory  string `yaml:"signatory" doc:"who signed (署名者)"`
	Open       `yaml:",inline"`
}

// Date is a calendar date YYYY-MM-DD, or YYYY-MM when the source gives only the month.
type Date string

// Reference is a document the policy is based on.
type Reference struct {
	Title  string `yaml:"title" lint:"required"`
	Issuer string `yaml:"issuer"`
	URL    string `yaml:"url"`
}

// Section is a free-text section in the policy's own words.
type Section struct {
	ID      string `yaml:"id" lint:"required"`
	Heading string `yaml:"heading"`
	Text    string `yaml:"text" lint:"required"`
}

// TextBlock is an optional heading and text.
type TextBlock struct {
	Heading string `yaml:"heading"`
	Text    string `yaml:"text"`
	Open    `yaml:",inline"`
}

// Scope says who counts as a customer and who is protected.
type Scope struct {
	CustomerTerm  string  `yaml:"customer_term" doc:"the policy's word for customers, e.g. お客様等"`
	Customers     []Party `yaml:"customers" doc:"who counts as a customer"`
	ProtectedTerm string  `yaml:"protected_term" doc:"the policy's word for the protected, e.g. 従業員, 職員等"`
	Protected     []Party `yaml:"protected" doc:"who is protected"`
	Open          `yaml:",inline"`
}

// Party is one kind of person in scope, with the source's wording.
type Party struct {
	Kind string `yaml:"kind" lint:"required" enum:"customer,business_partner,shareholder,third_party,member,facility_user,employee,executive,contractor,dispatched,freelancer,intern,other"`
	Text string `yaml:"text" doc:"the source's wording"`
}

// Definition is how the policy defines customer harassment.
type Definition struct {
	Model    string    `yaml:"model" lint:"required" enum:"mhlw_two_axis,three_elements"`
	Heading  string    `yaml:"heading"`
	Intro    string    `yaml:"intro" doc:"text before the definition, e.g. the basic stance"`
	Text     string    `yaml:"text" doc:"the definition as written (required unless elements carry it)"`
	BasedOn  []string  `yaml:"based_on" doc:"guidelines the definition follows"`
	Elements []Element `yaml:"elements" doc:"the elements of a three_elements definition, all of which must hold"`
	Outro    string    `yaml:"outro" doc:"text after the definition"`
}

// Element is one element of a three-element definition.
type Element struct {
	ID   string `yaml:"id" lint:"required"`
	Text string `yaml:"text" lint:"required"`
}

// NotHarassment lists conduct that is not harassment.
type NotHarassment struct {
	Heading                string    `yaml:"heading"`
	Text                   string    `yaml:"text"`
	DutyToRespondSincerely bool      `yaml:"duty_to_respond_sincerely" doc:"staff must respond sincerely to such conduct"`
	DutyText               string    `yaml:"duty_text" doc:"the sentence stating the duty"`
	Examples               []Example `yaml:"examples"`
	Open                   `yaml:",inline"`
}

// Example is a concrete example, optionally under a situation heading.
type Example struct {
	ID        string `yaml:"id" lint:"required"`
	Situation string `yaml:"situation" doc:"the heading the example stands under, e.g. <…とき>"`
	Text      string `yaml:"text" lint:"required"`
}

// Harassment lists the behaviour types that count as harassment.
type Harassment struct {
	Heading       string  `yaml:"heading"`
	Text          string  `yaml:"text" doc:"introduction, e.g. that the list is not exhaustive"`
	NonExhaustive bool    `yaml:"non_exhaustive" doc:"the list is an illustration, not a limit"`
	Groups        []Group `yaml:"groups" doc:"headings of the axis groups as written"`
	Types         []Type  `yaml:"types" lint:"required"`
	Open          `yaml:",inline"`
}

// Group is the source's heading for the types on one axis.
type Group struct {
	Axis    string `yaml:"axis" lint:"required" enum:"demand_invalid,means_inappropriate_always,means_inappropriate_relative"`
	Heading string `yaml:"heading" lint:"required"`
}

// Type is one of the organization's own behaviour types (類型).
type Type struct {
	ID              string                   `yaml:"id" lint:"required"`
	Number          string                   `yaml:"number" doc:"the source's numbering, e.g. ①"`
	Label           string                   `yaml:"label" lint:"required"`
	Axis            string                   `yaml:"axis" lint:"required" enum:"demand_invalid,means_inappropriate_always,means_inappropriate_relative"`
	Codes           []kasuhara.BehaviourCode `yaml:"codes" lint:"required" doc:"standard behaviour codes the type maps onto"`
	ImmediateReport bool                     `yaml:"immediate_report" doc:"must be reported at once (直ちに報告)"`
	Examples        []Example                `yaml:"examples" doc:"sub-examples (具体例・別表)"`
	Detection       TypeDetection            `yaml:"detection" doc:"how the detector recognizes this type beyond its built-in lexicon"`
	Note            string                   `yaml:"note"`
}

// TypeDetection holds an organization's own wording for one type, so the
// detector flags what only this organization's callers say (an in-house
// product nickname used as an insult, a local threat idiom).
type TypeDetection struct {
	Phrases []string `yaml:"phrases" doc:"phrases that on their own mark this type, matched after the detector's normalization (width, kana, elongation); each is flagged under every code of the type"`
}

// Role is a role the policy declares, e.g. the supervisor's own superior.
type Role struct {
	ID    string `yaml:"id" lint:"required"`
	Label string `yaml:"label" lint:"required"`
}

// Procedure is the response procedure (発生時の対応).
type Procedure struct {
	Heading string `yaml:"heading"`
	Text    string `yaml:"text"`
	Steps   []Step `yaml:"steps"`
	Open    `yaml:",inline"`
}

// Stages of a case at which procedure steps apply.
var Stages = []string{"initial", "follow_up", "after"}

// Step is one ordered step of the response procedure.
type Step struct {
	ID     string   `yaml:"id" lint:"required"`
	Number string   `yaml:"number" doc:"the source's numbering, e.g. ①"`
	Actor  string   `yaml:"actor" lint:"required" doc:"role that performs the step"`
	Stage  string   `yaml:"stage" enum:"initial,follow_up,after" doc:"stage of the case the step belongs to"`
	Text   string   `yaml:"text" lint:"required"`
	Notify []string `yaml:"notify" doc:"roles to be told at this step"`
	Form   string   `yaml:"form" doc:"form to file (e.g. 是正処置計画書兼報告書)"`
	Rules  []Rule   `yaml:"rules"`
}

// Rule is a rule attached to a step. Kinds other than note are enforced by Judge.
type Rule struct {
	ID             string   `yaml:"id" lint:"required"`
	Kind           string   `yaml:"kind" lint:"required" enum:"note,immediate_report,min_staff,recording,escalation,report_form,end_conversation"`
	Text           string   `yaml:"text" lint:"required"`
	Notify         []string `yaml:"notify" doc:"roles to be told (immediate_report, escalation)"`
	Min            int      `yaml:"min" doc:"minimum staff (min_staff); 0 takes thresholds.min_staff_face_to_face"`
	Channels       []string `yaml:"channels" doc:"channels the rule applies to; empty means all"`
	ExceptChannels []string `yaml:"except_channels" doc:"channels exempt from the rule"`
	Consent        bool     `yaml:"consent" doc:"recording needs the customer's consent"`
	IfNeeded       bool     `yaml:"if_needed" doc:"the rule applies only when needed (必要であれば)"`
}

// ChannelActions are the actions the policy names for one channel.
type ChannelActions struct {
	Channel string   `yaml:"channel" lint:"required" enum:"face_to_face,phone,email,letter,chat,sns,visit"`
	Label   string   `yaml:"label" doc:"the source's wording for the channel"`
	Actions []Action `yaml:"actions" lint:"required"`
}

// Action is one action staff may take.
type Action struct {
	ID    string `yaml:"id" lint:"required"`
	Stage string `yaml:"stage" enum:"warning,final_warning,closing" doc:"stage the action belongs to; empty means whenever harassment is found"`
	Text  string `yaml:"text" lint:"required"`
}

// Sanctions are measures taken against a customer.
type Sanctions struct {
	Heading  string     `yaml:"heading"`
	Text     string     `yaml:"text"`
	Measures []Sanction `yaml:"measures"`
	Open     `yaml:",inline"`
}

// Sanction is one measure and who may approve it.
type Sanction struct {
	ID         string   `yaml:"id" lint:"required"`
	Kind       string   `yaml:"kind" lint:"required" enum:"refusal_of_service,suspension_of_response,restriction_of_use,suspension_of_use,revocation_of_membership,legal_action,other"`
	Text       string   `yaml:"text" lint:"required"`
	ApprovedBy []string `yaml:"approved_by" doc:"roles that may approve the measure"`
	Open       `yaml:",inline"`
}

// Records are the record-keeping rules.
type Records struct {
	Heading        string      `yaml:"heading"`
	RecordAllCalls bool        `yaml:"record_all_calls" doc:"every call is recorded"`
	EmailShared    bool        `yaml:"email_shared" doc:"emails are handled so that several staff can see them"`
	Items          []Item      `yaml:"items"`
	Retention      []Retention `yaml:"retention" doc:"retention period per record kind"`
	Open           `yaml:",inline"`
}

// Retention is how long one kind of record is kept.
type Retention struct {
	Kind   string `yaml:"kind" lint:"required" enum:"call_recording,video,email,report,case,call_transcript,consultation,other"`
	Period string `yaml:"period" doc:"e.g. 30d, 3m, 1y; empty when open"`
	Open   `yaml:",inline"`
}

// Item is one statement of the policy in its own words.
type Item struct {
	ID   string `yaml:"id" lint:"required"`
	Kind string `yaml:"kind" enum:"desk,training,external_experts,diagram,stress_check,interview,victim_care,recurrence_prevention,support,recording,email,other"`
	Text string `yaml:"text" lint:"required"`
}

// External is cooperation with outside bodies.
type External struct {
	Heading  string    `yaml:"heading"`
	Partners []Partner `yaml:"partners"`
	Open     `yaml:",inline"`
}

// Partner is an outside body and when it is involved.
type Partner struct {
	Kind string `yaml:"kind" lint:"required" enum:"police,lawyer,expert,other"`
	When string `yaml:"when" doc:"when the partner is involved, in the source's words"`
	Text string `yaml:"text" lint:"required"`
}

// Structure is the internal structure (desk, training, external experts).
type Structure struct {
	Heading string `yaml:"heading"`
	Desk    Desk   `yaml:"desk" doc:"the consultation desk (相談窓口)"`
	Items   []Item `yaml:"items"`
	Open    `yaml:",inline"`
}

// Desk is the consultation desk and its contact.
type Desk struct {
	Text    string  `yaml:"text"`
	Contact Contact `yaml:"contact"`
	Role    string  `yaml:"role" doc:"role that staffs the desk"`
}

// StaffCare is care for staff.
type StaffCare struct {
	Heading string `yaml:"heading"`
	Items   []Item `yaml:"items"`
	Open    `yaml:",inline"`
}

// Thresholds are the numbers the system enforces.
type Thresholds struct {
	CallMinutes        Threshold   `yaml:"call_minutes" doc:"call length in minutes after which the closing script is recommended"`
	Persistence        Persistence `yaml:"persistence" doc:"contacts within a number of days that count as persistence"`
	MinStaffFaceToFace Threshold   `yaml:"min_staff_face_to_face" doc:"minimum staff at a face-to-face response"`
}

// Threshold is one number, or open.
type Threshold struct {
	Value int `yaml:"value"`
	Open  `yaml:",inline"`
}

// Persistence is the repeat-contact threshold.
type Persistence struct {
	Contacts int `yaml:"contacts" doc:"this many contacts or more …"`
	Days     int `yaml:"days" doc:"… within this many days"`
	Open     `yaml:",inline"`
}

// Scripts are phrases staff may use.
type Scripts struct {
	Items []Script `yaml:"items"`
	Open  `yaml:",inline"`
}

// Script is one phrase for a stage, on one channel or all.
type Script struct {
	ID      string `yaml:"id" lint:"required"`
	Stage   string `yaml:"stage" lint:"required" enum:"warning,final_warning,closing"`
	Channel string `yaml:"channel" enum:"face_to_face,phone,email,letter,chat,sns,visit" doc:"empty means any channel"`
	Text    string `yaml:"text" lint:"required"`
}
