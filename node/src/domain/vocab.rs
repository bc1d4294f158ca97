//! Fixed, translatable vocabularies. Each value `v` of list `prefix` has the catalogue key `prefix-v`.

/// Humanitarian clusters.
pub const SECTORS: &[&str] = &[
    "food",
    "shelter",
    "health",
    "wash",
    "education",
    "protection",
    "cash",
    "nfi",
    "livelihoods",
    "psychosocial",
];

/// Household vulnerabilities recorded on a case.
pub const VULNERABILITIES: &[&str] = &[
    "elderly",
    "disability",
    "chronic-illness",
    "pregnant-lactating",
    "female-headed",
    "child-headed",
    "unaccompanied-minor",
    "displaced",
    "injured",
    "orphan",
];

/// How soon a need must be met, from least to most urgent.
pub const URGENCIES: &[&str] = &["low", "medium", "high", "critical"];

/// The state of a case.
pub const CASE_STATUSES: &[&str] = &["open", "closed"];

/// The state of a need; all but `cancelled` follow the quantity met.
pub const NEED_STATUSES: &[&str] = &["open", "partly-met", "met", "cancelled"];

/// Who may see a need: this organisation only, member charities, or everyone.
pub const VISIBILITIES: &[&str] = &["private", "network", "public"];

/// Roles in an organisation.
pub const ROLES: &[&str] = &["admin", "caseworker", "storekeeper", "viewer"];

/// Every vocabulary with its catalogue prefix.
pub const ALL: &[(&str, &[&str])] = &[
    ("sector", SECTORS),
    ("vuln", VULNERABILITIES),
    ("urgency", URGENCIES),
    ("case-status", CASE_STATUSES),
    ("need-status", NEED_STATUSES),
    ("visibility", VISIBILITIES),
    ("role", ROLES),
];

/// Whether `value` belongs to `list`.
pub fn contains(list: &[&str], value: &str) -> bool {
    list.contains(&value)
}
