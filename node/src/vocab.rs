//! Sanad's fixed vocabularies: statuses, kinds, sectors, urgencies, visibilities and roles, each an enum defined once.
//!
//! Each is stored as its string form (a sea-orm active enum, so entity columns are typed) and translated through the
//! catalogue under `{PREFIX}-{value}` (e.g. `sector-food`). **Architecture invariant:** this module depends on
//! nothing of the node; entities, the domain and the edges all name these types, and no code compares a state as a
//! string.

use sea_orm::{DeriveActiveEnum, EnumIter, sea_query::StringLen};
use serde::{Deserialize, Serialize};

/// A fixed, translatable list of values.
pub trait Vocabulary: Copy + Eq + 'static {
    /// The catalogue prefix of its values.
    const PREFIX: &'static str;
    /// Every value, in display order.
    const ALL: &'static [Self];

    /// The stored and wire form.
    fn as_str(self) -> &'static str;

    /// The value whose stored form is `raw` (exactly, after trimming).
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.iter().copied().find(|v| v.as_str() == raw)
    }

    /// The catalogue key of its name, e.g. `sector-food`.
    fn key(self) -> String {
        format!("{}-{}", Self::PREFIX, self.as_str())
    }
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $prefix:literal {
        $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize,
            Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// Every value, in display order (for templates, which cannot name the trait's constant).
            pub const VALUES: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }

            /// The value whose stored form is `raw` (exactly, after trimming).
            pub fn parse(raw: &str) -> Option<Self> {
                <Self as Vocabulary>::parse(raw)
            }
        }

        impl Vocabulary for $name {
            const PREFIX: &'static str = $prefix;
            const ALL: &'static [Self] = Self::VALUES;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Humanitarian clusters.
    Sector, "sector" {
        /// Food security.
        Food = "food",
        /// Shelter.
        Shelter = "shelter",
        /// Health.
        Health = "health",
        /// Water, sanitation and hygiene.
        Wash = "wash",
        /// Education.
        Education = "education",
        /// Protection.
        Protection = "protection",
        /// Cash assistance.
        Cash = "cash",
        /// Non-food items.
        Nfi = "nfi",
        /// Livelihoods.
        Livelihoods = "livelihoods",
        /// Psychosocial support.
        Psychosocial = "psychosocial",
    }
}

vocabulary! {
    /// Household vulnerabilities recorded on a case.
    Vulnerability, "vuln" {
        /// Elderly members.
        Elderly = "elderly",
        /// Disability.
        Disability = "disability",
        /// Chronic illness.
        ChronicIllness = "chronic-illness",
        /// Pregnant or lactating.
        PregnantLactating = "pregnant-lactating",
        /// Female-headed household.
        FemaleHeaded = "female-headed",
        /// Child-headed household.
        ChildHeaded = "child-headed",
        /// Unaccompanied minor.
        UnaccompaniedMinor = "unaccompanied-minor",
        /// Displaced.
        Displaced = "displaced",
        /// Injured.
        Injured = "injured",
        /// Orphan.
        Orphan = "orphan",
    }
}

vocabulary! {
    /// How soon a need must be met, from least to most urgent (the order compares).
    Urgency, "urgency" {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Critical.
        Critical = "critical",
    }
}

vocabulary! {
    /// The state of a case.
    CaseStatus, "case-status" {
        /// Being served.
        Open = "open",
        /// Closed.
        Closed = "closed",
    }
}

vocabulary! {
    /// The state of a need; all but `Cancelled` follow the quantity met.
    NeedStatus, "need-status" {
        /// Nothing met yet.
        Open = "open",
        /// Partly met.
        PartlyMet = "partly-met",
        /// Fully met.
        Met = "met",
        /// Cancelled by the organisation.
        Cancelled = "cancelled",
    }
}

impl NeedStatus {
    /// The status a need has for its quantities.
    pub fn for_quantities(quantity: i64, met: i64, cancelled: bool) -> Self {
        if cancelled {
            Self::Cancelled
        } else if met >= quantity {
            Self::Met
        } else if met > 0 {
            Self::PartlyMet
        } else {
            Self::Open
        }
    }

    /// Whether the need still waits for something (open or partly met).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Open | Self::PartlyMet)
    }

    /// The statuses of needs that still wait for something.
    pub const ACTIVE: [Self; 2] = [Self::Open, Self::PartlyMet];
}

vocabulary! {
    /// Who may see a need or an offer: this organisation only, member charities, or everyone.
    Visibility, "visibility" {
        /// This organisation only.
        Private = "private",
        /// Member charities of the network.
        Network = "network",
        /// Everyone.
        Public = "public",
    }
}

vocabulary! {
    /// A role in an organisation, from least to most powerful (the order compares).
    Role, "role" {
        /// Reads everything, changes nothing.
        Viewer = "viewer",
        /// Keeps stock; reads cases and needs.
        Storekeeper = "storekeeper",
        /// Registers households and their needs.
        Caseworker = "caseworker",
        /// Everything, including settings and members.
        Admin = "admin",
    }
}

vocabulary! {
    /// What an item is: physical goods, or money in one currency.
    ItemKind, "item-kind" {
        /// Goods.
        Goods = "goods",
        /// Cash.
        Cash = "cash",
    }
}

vocabulary! {
    /// Kinds of place that hold stock.
    WarehouseKind, "warehouse-kind" {
        /// A warehouse.
        Warehouse = "warehouse",
        /// A distribution point.
        DistributionPoint = "distribution-point",
    }
}

vocabulary! {
    /// Kinds of stock movement.
    MovementKind, "movement" {
        /// Stock received.
        Receipt = "receipt",
        /// Between two warehouses of the organisation (two legs).
        Transfer = "transfer",
        /// To another organisation.
        TransferOut = "transfer-out",
        /// From another organisation.
        TransferIn = "transfer-in",
        /// A count correction, either way.
        Adjustment = "adjustment",
        /// Lost, expired, damaged or stolen.
        Loss = "loss",
        /// Handed to a household.
        Distribution = "distribution",
        /// A distribution undone.
        Reversal = "reversal",
    }
}

impl MovementKind {
    /// The kinds a storekeeper records by hand (distributions and reversals have their own flows).
    pub const MANUAL: &'static [Self] = &[
        Self::Receipt,
        Self::Transfer,
        Self::TransferOut,
        Self::TransferIn,
        Self::Adjustment,
        Self::Loss,
    ];
}

vocabulary! {
    /// Where a receipt comes from.
    SourceKind, "source" {
        /// A donor.
        Donor = "donor",
        /// A purchase.
        Purchase = "purchase",
        /// Another organisation.
        Organisation = "organisation",
    }
}

vocabulary! {
    /// Why stock was lost.
    LossReason, "loss-reason" {
        /// Past its expiry date.
        Expired = "expired",
        /// Damaged.
        Damaged = "damaged",
        /// Stolen.
        Stolen = "stolen",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// What a donor pledges.
    PledgeKind, "pledge-kind" {
        /// Goods, in the need's unit.
        Goods = "goods",
        /// Money.
        Money = "money",
    }
}

vocabulary! {
    /// Where a donor's pledge stands.
    PledgeStatus, "pledge-status" {
        /// Received, waiting for the organisation's answer.
        Proposed = "proposed",
        /// Welcomed: the organisation expects it.
        Accepted = "accepted",
        /// Declined, with a message.
        Declined = "declined",
        /// Arrived and recorded as a stock receipt.
        Received = "received",
    }
}

vocabulary! {
    /// Where a commitment between two organisations stands (the same on both sides once each has heard).
    CommitmentStatus, "commitment-status" {
        /// Sent, waiting for the listing's owner.
        Proposed = "proposed",
        /// Agreed: the quantity counts as committed on the need and stays reserved in the provider's stock.
        Accepted = "accepted",
        /// Refused by the owner (with a reason).
        Rejected = "rejected",
        /// The provider recorded the transfer out.
        Sent = "sent",
        /// The receiver confirmed the transfer in.
        Received = "received",
        /// Its due date passed before it was sent.
        Expired = "expired",
        /// Withdrawn by the proposer before it was sent.
        Cancelled = "cancelled",
    }
}

impl CommitmentStatus {
    /// The statuses in which a commitment holds its quantity: reserved in the provider's stock, committed on the need.
    pub const HOLDING: [Self; 2] = [Self::Proposed, Self::Accepted];
}

vocabulary! {
    /// Which side of a commitment an organisation is on.
    CommitmentRole, "commitment-role" {
        /// It answered a listing of another organisation (sent the `Offer`).
        Proposer = "proposer",
        /// It holds the listing and answers (`Accept` or `Reject`).
        Owner = "owner",
    }
}

vocabulary! {
    /// The state of an offer of surplus stock (`Expired` is shown, never stored: it follows the date).
    OfferStatus, "offer-status" {
        /// Reserving its stock.
        Active = "active",
        /// Withdrawn by the organisation.
        Withdrawn = "withdrawn",
        /// Past its date.
        Expired = "expired",
    }
}

vocabulary! {
    /// Which way a follow between a local organisation and a remote actor goes.
    FollowDirection, "follow-direction" {
        /// The remote actor follows the organisation.
        Follower = "follower",
        /// The organisation follows the remote actor.
        Following = "following",
    }
}

vocabulary! {
    /// Where a follow request stands.
    FollowState, "follow-state" {
        /// Waiting for the other side.
        Pending = "pending",
        /// Accepted: activities flow.
        Accepted = "accepted",
        /// Refused.
        Rejected = "rejected",
    }
}

vocabulary! {
    /// Where one activity's delivery to one peer stands.
    DeliveryState, "delivery-state" {
        /// Not yet delivered (waiting, retrying or parked with a dead peer).
        Pending = "pending",
        /// The peer answered 2xx.
        Delivered = "delivered",
        /// The peer answered a permanent 4xx.
        Rejected = "rejected",
    }
}

vocabulary! {
    /// What the operator allows of a peer host.
    PeerPolicy, "peer-policy" {
        /// Federates (unless the node is in allow-list mode).
        Open = "open",
        /// Allowed in allow-list mode.
        Allowed = "allowed",
        /// Refused at the inbox and never delivered to.
        Blocked = "blocked",
    }
}

vocabulary! {
    /// Whether a peer answers.
    PeerState, "peer-state" {
        /// Delivering (or retrying with backoff).
        Live = "live",
        /// Unreachable for longer than the configured time: its queue is parked until it is heard from.
        Dead = "dead",
    }
}

/// What a new record gets when the form leaves the choice empty.
macro_rules! default_value {
    ($($name:ident => $variant:ident),+ $(,)?) => {
        $(impl Default for $name {
            fn default() -> Self {
                Self::$variant
            }
        })+
    };
}

default_value! {
    Visibility => Private,
    ItemKind => Goods,
    WarehouseKind => Warehouse,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<V: Vocabulary + std::fmt::Debug>() {
        for v in V::ALL {
            assert_eq!(V::parse(v.as_str()), Some(*v), "{v:?}");
        }
        assert_eq!(V::parse("no-such-value"), None);
    }

    #[test]
    fn every_value_parses_back_and_unknown_ones_do_not() {
        round_trips::<Sector>();
        round_trips::<Vulnerability>();
        round_trips::<Urgency>();
        round_trips::<CaseStatus>();
        round_trips::<NeedStatus>();
        round_trips::<Visibility>();
        round_trips::<Role>();
        round_trips::<ItemKind>();
        round_trips::<WarehouseKind>();
        round_trips::<MovementKind>();
        round_trips::<SourceKind>();
        round_trips::<LossReason>();
        round_trips::<OfferStatus>();
        round_trips::<CommitmentStatus>();
        round_trips::<CommitmentRole>();
        round_trips::<PledgeKind>();
        round_trips::<PledgeStatus>();
    }

    #[test]
    fn need_status_follows_quantity_met_unless_cancelled() {
        use NeedStatus::*;
        let cases = [
            ((10, 0, false), Open),
            ((10, 3, false), PartlyMet),
            ((10, 10, false), Met),
            ((10, 12, false), Met),
            ((10, 3, true), Cancelled),
        ];
        for ((q, m, c), expected) in cases {
            assert_eq!(NeedStatus::for_quantities(q, m, c), expected, "{q} {m} {c}");
        }
    }

    #[test]
    fn roles_and_urgencies_are_ordered() {
        assert!(Role::Admin > Role::Caseworker && Role::Storekeeper > Role::Viewer);
        assert!(Urgency::Critical > Urgency::High && Urgency::Medium > Urgency::Low);
        assert_eq!(serde_json::to_string(&Sector::Nfi).unwrap_or_default(), "\"nfi\"");
    }
}
