package kasuhara

// BehaviourCode is one of the standard behaviour types that every
// organization's own harassment types map onto, so that detection and
// statistics speak one language while every screen speaks the organization's.
type BehaviourCode string

// The standard behaviour codes.
const (
	PhysicalAttack   BehaviourCode = "physical_attack"   // 身体的な攻撃
	Threat           BehaviourCode = "threat"            // 脅迫・危害の示唆
	Abuse            BehaviourCode = "abuse"             // 暴言・侮辱・人格否定
	Intimidation     BehaviourCode = "intimidation"      // 威圧的な言動
	Dogeza           BehaviourCode = "dogeza"            // 土下座の要求
	Persistence      BehaviourCode = "persistence"       // 継続的・執拗な言動
	Restraint        BehaviourCode = "restraint"         // 拘束的な言動
	Discrimination   BehaviourCode = "discrimination"    // 差別的な言動
	Sexual           BehaviourCode = "sexual"            // 性的な言動
	PersonalAttack   BehaviourCode = "personal_attack"   // 職員個人への攻撃・処罰の要求
	Privacy          BehaviourCode = "privacy"           // 職員の個人情報・プライバシーの侵害
	SNSExposure      BehaviourCode = "sns_exposure"      // SNS・インターネットへの投稿・晒し
	ExcessiveDemand  BehaviourCode = "excessive_demand"  // 過剰な金銭補償・代替品・特別扱い・契約外の要求
	ExcessiveApology BehaviourCode = "excessive_apology" // 過剰な謝罪の要求
	Trespass         BehaviourCode = "trespass"          // 不法侵入・業務スペースへの立入り
	OtherBehaviour   BehaviourCode = "other"             // その他就業環境を害する言動
)

// BehaviourCodes lists every standard code in a stable order.
var BehaviourCodes = []BehaviourCode{
	PhysicalAttack, Threat, Abuse, Intimidation, Dogeza, Persistence, Restraint,
	Discrimination, Sexual, PersonalAttack, Privacy, SNSExposure, ExcessiveDemand,
	ExcessiveApology, Trespass, OtherBehaviour,
}

// BehaviourLabelsJA gives the standard Japanese label of each code.
var BehaviourLabelsJA = map[BehaviourCode]string{
	PhysicalAttack:   "身体的な攻撃",
	Threat:           "脅迫・危害の示唆",
	Abuse:            "暴言・侮辱・人格否定",
	Intimidation:     "威圧的な言動",
	Dogeza:           "土下座の要求",
	Persistence:      "継続的・執拗な言動",
	Restraint:        "拘束的な言動",
	Discrimination:   "差別的な言動",
	Sexual:           "性的な言動",
	PersonalAttack:   "職員個人への攻撃・処罰の要求",
	Privacy:          "職員の個人情報・プライバシーの侵害",
	SNSExposure:      "SNS・インターネットへの投稿・晒し",
	ExcessiveDemand:  "過剰な金銭補償・代替品・特別扱い・契約外の要求",
	ExcessiveApology: "過剰な謝罪の要求",
	Trespass:         "不法侵入・業務スペースへの立入り",
	OtherBehaviour:   "その他就業環境を害する言動",
}

// Valid reports whether c is a standard code.
func (c BehaviourCode) Valid() bool {
	_, ok := BehaviourLabelsJA[c]
	return ok
}
