//! sea-orm entities: one module per table. The migrations are the truth; these mirror them.

/// Declares the rows a table's rows refer to (`belongs_to` relations, by id), the `Related` impls that let queries
/// join them, and the entity's (empty) active-model behaviour.
macro_rules! refers_to {
    ($($variant:ident => $module:ident via $column:ident),* $(,)?) => {
        /// The rows this table's rows refer to.
        #[derive(Copy, Clone, Debug, EnumIter)]
        pub enum Relation {
            $(
                #[doc = concat!("The `", stringify!($module), "` row this one refers to.")]
                $variant,
            )*
        }

        impl RelationTrait for Relation {
            fn def(&self) -> RelationDef {
                match *self {
                    $(Self::$variant => Entity::belongs_to(super::$module::Entity)
                        .from(Column::$column)
                        .to(super::$module::Column::Id)
                        .into(),)*
                }
            }
        }

        $(impl Related<super::$module::Entity> for Entity {
            fn to() -> RelationDef {
                Relation::$variant.def()
            }
        })*

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod api_token;
pub mod audit_entry;
pub mod case;
pub mod case_note;
pub mod commitment;
pub mod commitment_event;
pub mod delivery;
pub mod distribution;
pub mod follow;
pub mod inbox_seen;
pub mod invitation;
pub mod item;
pub mod mail_outbox;
pub mod membership;
pub mod need;
pub mod node_setting;
pub mod offer;
pub mod org_key;
pub mod organisation;
pub mod outbox;
pub mod peer;
pub mod pledge;
pub mod region;
pub mod remote_actor;
pub mod remote_object;
pub mod session;
pub mod stock_balance;
pub mod stock_movement;
pub mod user;
pub mod warehouse;
