//! The forms of the web pages as typed (text, so that a refused form comes back exactly as it was sent), and how
//! each is read into the domain's typed input.

use serde::Deserialize;

use crate::{
    domain::{
        accounts::{MemberFields, OrgFields, OrgProfile, SetupFields, UserFields},
        cases::{self, CaseFields},
        error::{AppResult, FieldErrors, Input},
        needs::NeedFields,
        stock::{
            BulkFields, DistributionFields, ItemFields, LineFields, MovementFields, OfferFields,
            WarehouseFields,
        },
    },
    http::input,
    infra::entities::{case, item, need},
    vocab::{ItemKind, NeedStatus, Sector, Visibility, WarehouseKind},
};

/// Arabic-Indic digits; [`CaseDraft::input`] reads them into the domain's typed fields.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseDraft {
    /// Head of household's full name.
    pub head_name: String,
    /// National id number, if any.
    pub national_id: String,
    /// Phone number.
    pub phone: String,
    /// Address (local only).
    pub address: String,
    /// Region code from the gazetteer.
    pub region_code: String,
    /// Number of people in the household.
    pub household_size: String,
    /// Vulnerability codes.
    pub vulnerabilities: Vec<String>,
    /// Consent to share anonymised needs (`on` in forms).
    pub consent_share: Option<String>,
    /// Assigned caseworker's user id, or empty.
    pub assigned_to: String,
}

/// A need as typed, before checking (numbers as text, see [`CaseDraft`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NeedDraft {
    /// The household this need belongs to; empty for a community need.
    pub case_id: String,
    /// Humanitarian sector.
    pub sector: String,
    /// What is needed.
    pub item: String,
    /// How much.
    pub quantity: String,
    /// Unit of the quantity.
    pub unit: String,
    /// How much has been provided so far.
    pub quantity_met: String,
    /// How urgent.
    pub urgency: String,
    /// Where; defaults to the household's region.
    pub region_code: String,
    /// Needed by (YYYY-MM-DD).
    pub needed_by: String,
    /// A public description with no personal detail.
    pub public_summary: String,
    /// private, network or public.
    pub visibility: String,
    /// `on` to cancel the need.
    pub cancelled: Option<String>,
}

/// An item as typed or sent, before checking.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemDraft {
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// Humanitarian sector.
    pub sector: String,
    /// `goods` or `cash`.
    pub kind: String,
    /// Unit counted (for cash: the currency).
    pub unit: String,
    /// ISO 4217 code, for cash.
    pub currency: String,
    /// Units per pack.
    pub pack_size: String,
    /// Barcode or SKU.
    pub sku: String,
    /// `on` when lots carry an expiry date.
    pub expires: Option<String>,
    /// Warn when the total on hand falls below this.
    pub low_stock_threshold: String,
}

/// A warehouse or distribution point as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WarehouseDraft {
    /// Its name.
    pub name: String,
    /// `warehouse` or `distribution-point`.
    pub kind: String,
    /// Where it is.
    pub region_code: String,
}

/// A movement recorded by hand, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MovementDraft {
    /// receipt, transfer, transfer-out, transfer-in, adjustment or loss.
    pub kind: String,
    /// The item.
    pub item_id: String,
    /// The warehouse it enters or leaves.
    pub warehouse_id: String,
    /// For a transfer: the warehouse it goes to.
    pub to_warehouse_id: String,
    /// How much (an adjustment may be negative).
    pub quantity: String,
    /// Lot number; for stock leaving, empty means first-expiry-first-out.
    pub lot: String,
    /// Expiry date of the lot received (YYYY-MM-DD).
    pub expiry: String,
    /// For a receipt: donor, purchase or organisation.
    pub source_kind: String,
    /// Who it came from or went to.
    pub counterparty: String,
    /// For a loss: expired, damaged, stolen or other.
    pub reason: String,
    /// Free text; required for an adjustment (why the count was wrong).
    pub note: String,
    /// When it happened (YYYY-MM-DD); today if empty.
    pub occurred_on: String,
}

/// One line of a distribution, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LineDraft {
    /// The item.
    pub item_id: String,
    /// The warehouse or distribution point it leaves.
    pub warehouse_id: String,
    /// How much.
    pub quantity: String,
    /// A lot; empty means first-expiry-first-out.
    pub lot: String,
}

/// A distribution to one household, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DistributionDraft {
    /// The household.
    pub case_id: String,
    /// The need it meets, if any.
    pub need_id: String,
    /// What was handed over.
    pub lines: Vec<LineDraft>,
    /// User id of who delivered it; the caller when empty.
    pub delivered_by: String,
    /// When (YYYY-MM-DD); today when empty.
    pub delivered_on: String,
    /// Receipt note.
    pub note: String,
}

/// One item to many households at once.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BulkDraft {
    /// The item.
    pub item_id: String,
    /// Where it leaves from.
    pub warehouse_id: String,
    /// How much each household receives.
    pub quantity: String,
    /// The households.
    pub case_ids: Vec<String>,
    /// When (YYYY-MM-DD); today when empty.
    pub delivered_on: String,
    /// Receipt note.
    pub note: String,
    /// For forms: the region the list of households was narrowed to (not used when distributing).
    pub region: String,
}

/// An offer as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OfferDraft {
    /// The item offered.
    pub item_id: String,
    /// The warehouse holding it.
    pub warehouse_id: String,
    /// How much: at most the free balance (on hand minus other offers).
    pub quantity: String,
    /// Where it is offered; the warehouse's region when empty.
    pub region_code: String,
    /// Last day it is available (YYYY-MM-DD).
    pub available_until: String,
    /// private, network or public.
    pub visibility: String,
}

/// The checked fields of an organisation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgDraft {
    /// Short name used in addresses: 2-64 of a-z, 0-9 and -.
    pub slug: String,
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// What the organisation does.
    pub description: String,
    /// Sectors it works in (repeated checkboxes).
    pub sectors: Vec<String>,
    /// Region codes it serves, separated by commas or spaces.
    pub regions_served: String,
    /// Website.
    pub website: String,
    /// Public contact e-mail.
    pub contact_email: String,
    /// Registration number.
    pub registration_number: String,
    /// `on` when follow requests are accepted automatically.
    pub auto_accept_follows: Option<String>,
}

/// The fields of the "add a member" form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberDraft {
    /// E-mail of the person to add.
    pub email: String,
    /// Their name, for a new account.
    pub display_name: String,
    /// Role to give.
    pub role: String,
    /// Initial password, for a new account.
    pub password: String,
}

/// The setup form: the first organisation and its first admin.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupDraft {
    /// The one-time token from the setup link.
    pub token: String,
    /// The organisation.
    #[serde(flatten)]
    pub org: OrgDraft,
    /// Admin's e-mail.
    pub email: String,
    /// Admin's name.
    pub display_name: String,
    /// Admin's password.
    pub password: String,
}

impl CaseDraft {
    /// The household as typed.
    pub fn input(&self) -> Input<CaseFields> {
        Input::read(|errors| CaseFields {
            head_name: self.head_name.clone(),
            national_id: self.national_id.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            region_code: self.region_code.clone(),
            household_size: input::integer(errors, "household_size", &self.household_size),
            vulnerabilities: input::choices(errors, "vulnerabilities", &self.vulnerabilities),
            consent_share: input::checkbox(self.consent_share.as_deref()),
            assigned_to: input::optional_id(
                errors,
                "assigned_to",
                &self.assigned_to,
                "err-not-a-caseworker",
            ),
        })
    }

    /// The form filled with a stored household.
    pub fn of(case: &case::Model) -> Self {
        CaseDraft {
            head_name: case.head_name.clone(),
            national_id: case.national_id.clone().unwrap_or_default(),
            phone: case.phone.clone().unwrap_or_default(),
            address: case.address.clone().unwrap_or_default(),
            region_code: case.region_code.clone(),
            household_size: case.household_size.to_string(),
            vulnerabilities: cases::vulnerabilities(case)
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect(),
            consent_share: case.consent_share.then(|| "on".to_owned()),
            assigned_to: case.assigned_to.map(|id| id.to_string()).unwrap_or_default(),
        }
    }
}

impl NeedDraft {
    /// The need as typed.
    pub fn input(&self) -> Input<NeedFields> {
        Input::read(|errors| NeedFields {
            case_id: input::optional_id(errors, "case_id", &self.case_id, "err-unknown-case"),
            sector: input::choice(errors, "sector", &self.sector),
            item: self.item.clone(),
            quantity: input::integer(errors, "quantity", &self.quantity),
            unit: self.unit.clone(),
            quantity_met: input::optional_integer(errors, "quantity_met", &self.quantity_met),
            urgency: input::choice(errors, "urgency", &self.urgency),
            region_code: self.region_code.clone(),
            needed_by: input::optional_date(errors, "needed_by", &self.needed_by),
            public_summary: self.public_summary.clone(),
            visibility: input::choice_or(
                errors,
                "visibility",
                &self.visibility,
                Visibility::Private,
            ),
            cancelled: input::checkbox(self.cancelled.as_deref()),
        })
    }
}

impl NeedDraft {
    /// The form filled with a stored need.
    pub fn of(need: &need::Model) -> Self {
        NeedDraft {
            case_id: need.case_id.map(|c| c.to_string()).unwrap_or_default(),
            sector: need.sector.as_str().to_owned(),
            item: need.item.clone(),
            quantity: need.quantity.to_string(),
            unit: need.unit.clone(),
            quantity_met: need.quantity_met.to_string(),
            urgency: need.urgency.as_str().to_owned(),
            region_code: need.region_code.clone(),
            needed_by: need.needed_by.map(|d| d.to_string()).unwrap_or_default(),
            public_summary: need.public_summary.clone(),
            visibility: need.visibility.as_str().to_owned(),
            cancelled: (need.status == NeedStatus::Cancelled).then(|| "on".to_owned()),
        }
    }
}

impl ItemDraft {
    /// The item as typed.
    pub fn input(&self) -> Input<ItemFields> {
        Input::read(|errors| ItemFields {
            name_ar: self.name_ar.clone(),
            name_en: self.name_en.clone(),
            sector: input::choice(errors, "sector", &self.sector),
            kind: input::choice_or(errors, "kind", &self.kind, ItemKind::Goods),
            unit: self.unit.clone(),
            currency: self.currency.clone(),
            pack_size: input::optional_integer(errors, "pack_size", &self.pack_size),
            sku: self.sku.clone(),
            expires: input::checkbox(self.expires.as_deref()),
            low_stock_threshold: input::optional_integer(
                errors,
                "low_stock_threshold",
                &self.low_stock_threshold,
            ),
        })
    }
}

impl ItemDraft {
    /// The form filled with a stored item.
    pub fn of(item: &item::Model) -> Self {
        ItemDraft {
            name_ar: item.name_ar.clone(),
            name_en: item.name_en.clone(),
            sector: item.sector.as_str().to_owned(),
            kind: item.kind.as_str().to_owned(),
            unit: if item.currency.is_some() { String::new() } else { item.unit.clone() },
            currency: item.currency.clone().unwrap_or_default(),
            pack_size: item.pack_size.to_string(),
            sku: item.sku.clone().unwrap_or_default(),
            expires: item.expires.then(|| "on".to_owned()),
            low_stock_threshold: item.low_stock_threshold.to_string(),
        }
    }
}

impl WarehouseDraft {
    /// The warehouse as typed.
    pub fn input(&self) -> Input<WarehouseFields> {
        Input::read(|errors| WarehouseFields {
            name: self.name.clone(),
            kind: input::choice_or(errors, "kind", &self.kind, WarehouseKind::Warehouse),
            region_code: self.region_code.clone(),
        })
    }
}

impl MovementDraft {
    /// The movement as typed.
    pub fn input(&self) -> Input<MovementFields> {
        let (receiving, sourced, lost) = input::movement_parts(&self.kind);
        Input::read(|errors| MovementFields {
            kind: input::choice(errors, "kind", &self.kind),
            item_id: input::reference(errors, "item_id", &self.item_id),
            warehouse_id: input::reference(errors, "warehouse_id", &self.warehouse_id),
            to_warehouse_id: input::reference(errors, "to_warehouse_id", &self.to_warehouse_id),
            quantity: input::integer(errors, "quantity", &self.quantity),
            lot: self.lot.clone(),
            expiry: receiving
                .then(|| input::optional_date(errors, "expiry", &self.expiry))
                .flatten(),
            source_kind: sourced
                .then(|| input::optional_choice(errors, "source_kind", &self.source_kind))
                .flatten(),
            counterparty: self.counterparty.clone(),
            reason: lost.then(|| input::optional_choice(errors, "reason", &self.reason)).flatten(),
            note: self.note.clone(),
            occurred_on: input::optional_date(errors, "occurred_on", &self.occurred_on),
        })
    }
}

impl LineDraft {
    /// One line as typed; `prefix` names its fields (e.g. `lines[0].`). Blank fields stay empty: the domain
    /// skips blank lines and names what a line lacks.
    pub fn fields(&self, errors: &mut FieldErrors, prefix: &str) -> LineFields {
        let field = |name: &str| format!("{prefix}{name}");
        LineFields {
            item_id: input::reference(errors, &field("item_id"), &self.item_id),
            warehouse_id: input::reference(errors, &field("warehouse_id"), &self.warehouse_id),
            quantity: input::optional_integer(errors, &field("quantity"), &self.quantity),
            lot: self.lot.clone(),
        }
    }
}

impl DistributionDraft {
    /// The distribution as typed.
    pub fn input(&self) -> Input<DistributionFields> {
        let mut errors = FieldErrors::default();
        let lines = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| l.fields(&mut errors, &format!("lines[{i}].")))
            .collect();
        let value = DistributionFields {
            case_id: input::optional_id(&mut errors, "case_id", &self.case_id, "err-unknown-case"),
            need_id: input::optional_id(&mut errors, "need_id", &self.need_id, "err-unknown-need"),
            lines,
            delivered_by: input::optional_id(
                &mut errors,
                "delivered_by",
                &self.delivered_by,
                "err-not-a-member-here",
            ),
            delivered_on: input::optional_date(&mut errors, "delivered_on", &self.delivered_on),
            note: self.note.clone(),
        };
        Input { value, errors }
    }
}

impl BulkDraft {
    /// The bulk distribution as typed.
    pub fn input(&self) -> Input<BulkFields> {
        let mut errors = FieldErrors::default();
        let line = LineDraft {
            item_id: self.item_id.clone(),
            warehouse_id: self.warehouse_id.clone(),
            quantity: self.quantity.clone(),
            lot: String::new(),
        }
        .fields(&mut errors, "");
        let case_ids = self
            .case_ids
            .iter()
            .filter_map(|raw| input::optional_id(&mut errors, "case_ids", raw, "err-unknown-case"))
            .collect();
        let value = BulkFields {
            item_id: line.item_id,
            warehouse_id: line.warehouse_id,
            quantity: line.quantity,
            case_ids,
            delivered_on: input::optional_date(&mut errors, "delivered_on", &self.delivered_on),
            note: self.note.clone(),
        };
        Input { value, errors }
    }
}

impl OfferDraft {
    /// The offer as typed.
    pub fn input(&self) -> Input<OfferFields> {
        Input::read(|errors| OfferFields {
            item_id: input::reference(errors, "item_id", &self.item_id),
            warehouse_id: input::reference(errors, "warehouse_id", &self.warehouse_id),
            quantity: input::integer(errors, "quantity", &self.quantity),
            region_code: self.region_code.clone(),
            available_until: input::optional_date(errors, "available_until", &self.available_until),
            visibility: input::choice_or(
                errors,
                "visibility",
                &self.visibility,
                Visibility::Private,
            ),
        })
    }
}

impl OrgDraft {
    /// The organisation as typed.
    pub fn fields(&self) -> OrgFields {
        OrgFields {
            slug: self.slug.clone(),
            name_ar: self.name_ar.clone(),
            name_en: self.name_en.clone(),
            description: self.description.clone(),
            profile: OrgProfile {
                sectors: self.sectors.iter().filter_map(|s| Sector::parse(s)).collect(),
                regions_served: self
                    .regions_served
                    .split(|c: char| c == ',' || c == '،' || c.is_whitespace())
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect(),
                website: self.website.clone(),
                contact_email: self.contact_email.clone(),
                registration_number: self.registration_number.clone(),
                auto_accept_follows: self.auto_accept_follows.is_some(),
            },
        }
    }

    /// Whether the sector's box is ticked.
    pub fn has_sector(&self, sector: &Sector) -> bool {
        self.sectors.iter().any(|s| s == sector.as_str())
    }

    /// The form filled with an organisation's stored values.
    pub fn of(org: &crate::infra::entities::organisation::Model) -> Self {
        let p = crate::domain::accounts::profile_of(org);
        Self {
            slug: org.slug.clone(),
            name_ar: org.name_ar.clone(),
            name_en: org.name_en.clone(),
            description: org.description.clone(),
            sectors: p.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
            regions_served: p.regions_served.join(", "),
            website: p.website,
            contact_email: p.contact_email,
            registration_number: p.registration_number,
            auto_accept_follows: p.auto_accept_follows.then(|| "on".to_owned()),
        }
    }
}

impl MemberDraft {
    /// The member as typed.
    pub fn fields(&self) -> AppResult<MemberFields> {
        let mut errors = FieldErrors::default();
        let role = input::choice(&mut errors, "role", &self.role);
        errors.into_result(MemberFields {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role,
            password: self.password.clone(),
        })
    }
}

impl SetupDraft {
    /// The setup as typed.
    pub fn fields(&self) -> SetupFields {
        SetupFields {
            token: self.token.clone(),
            org: self.org.fields(),
            admin: UserFields {
                email: self.email.clone(),
                display_name: self.display_name.clone(),
                password: self.password.clone(),
            },
        }
    }
}
