//! Organisation keys: an RSA pair for HTTP signatures and an Ed25519 pair for object proofs, made when an
//! organisation is created (or at start for one that has none), stored in `org_keys`, never served or logged.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use activitypub_federation::http_signatures::{Keypair, generate_actor_keypair};
use chrono::Utc;
use sanad_federation::keys::KeyPair;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::error::{AppError, AppResult};
use crate::infra::entities::{org_key, organisation};

/// Where RSA key pairs come from: made fresh (slow: about a second each), or taken in turn from a pool made once
/// (for test suites, which start hundreds of organisations).
#[derive(Clone, Debug)]
pub struct KeyMaker {
    pool: Option<Arc<(Vec<Keypair>, AtomicUsize)>>,
}

impl KeyMaker {
    /// Fresh keys for every organisation.
    pub fn fresh() -> Self {
        Self { pool: None }
    }

    /// Keys taken in turn from `pool` (tests only: organisations then share keys).
    pub fn pool(pool: Vec<Keypair>) -> Self {
        Self { pool: (!pool.is_empty()).then(|| Arc::new((pool, AtomicUsize::new(0)))) }
    }

    /// One RSA key pair (made on a blocking thread when fresh).
    pub async fn rsa(&self) -> AppResult<Keypair> {
        if let Some(pool) = &self.pool {
            let i = pool.1.fetch_add(1, Ordering::Relaxed) % pool.0.len();
            return Ok(pool.0[i].clone());
        }
        tokio::task::spawn_blocking(generate_actor_keypair)
            .await
            .map_err(|e| AppError::internal(format!("key generation stopped: {e}")))?
            .map_err(|e| AppError::internal(format!("key generation failed: {e}")))
    }
}

/// An organisation's keys, loaded.
#[derive(Clone)]
pub struct OrgKeys {
    /// RSA private key, PKCS#8 PEM.
    pub rsa_private_pem: String,
    /// RSA public key, SPKI PEM.
    pub rsa_public_pem: String,
    /// Ed25519 pair.
    pub proof: KeyPair,
}

impl std::fmt::Debug for OrgKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgKeys").field("proof", &self.proof).finish_non_exhaustive()
    }
}

fn loaded(row: org_key::Model) -> AppResult<OrgKeys> {
    Ok(OrgKeys {
        proof: KeyPair::from_secret_hex(&row.ed25519_secret)
            .map_err(|e| AppError::internal(format!("stored proof key: {e}")))?,
        rsa_private_pem: row.rsa_private_pem,
        rsa_public_pem: row.rsa_public_pem,
    })
}

/// The organisation's keys, if it has any yet.
pub async fn load(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Option<OrgKeys>> {
    org_key::Entity::find()
        .filter(org_key::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .map(loaded)
        .transpose()
}

/// Stores new keys for an organisation, replacing any it had (rotation).
pub async fn store(db: &impl ConnectionTrait, org_id: i64, rsa: Keypair) -> AppResult<OrgKeys> {
    org_key::Entity::delete_many().filter(org_key::Column::OrgId.eq(org_id)).exec(db).await?;
    insert(db, org_id, rsa).await?;
    load(db, org_id).await?.ok_or_else(|| AppError::internal("stored keys vanished"))
}

async fn insert(db: &impl ConnectionTrait, org_id: i64, rsa: Keypair) -> AppResult<()> {
    let proof = KeyPair::generate().map_err(|e| AppError::internal(e.to_string()))?;
    let row = org_key::ActiveModel {
        org_id: Set(org_id),
        rsa_private_pem: Set(rsa.private_key),
        rsa_public_pem: Set(rsa.public_key),
        ed25519_secret: Set(proof.secret_hex()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    org_key::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// The organisation's keys, made now if it has none (making fresh ones is slow: callers outside a unit of work, or
/// the background task that makes them when an organisation is created, come first).
pub async fn ensure(
    db: &impl ConnectionTrait,
    maker: &KeyMaker,
    org_id: i64,
) -> AppResult<OrgKeys> {
    if let Some(keys) = load(db, org_id).await? {
        return Ok(keys);
    }
    let rsa = maker.rsa().await?;
    // Two callers may race to make the first keys: the unique index keeps one, and both read it back.
    if let Err(e) = insert(db, org_id, rsa).await {
        tracing::debug!(org_id, "keys made concurrently: {e}");
    }
    load(db, org_id)
        .await?
        .ok_or_else(|| AppError::internal("organisation keys could not be stored"))
}

/// Makes keys for every local organisation that has none (at start).
pub async fn ensure_all(db: &sea_orm::DatabaseConnection, maker: &KeyMaker) -> AppResult<usize> {
    let orgs =
        organisation::Entity::find().filter(organisation::Column::Local.eq(true)).all(db).await?;
    let mut made = 0;
    for org in orgs {
        if load(db, org.id).await?.is_none() {
            ensure(db, maker, org.id).await?;
            made += 1;
        }
    }
    Ok(made)
}

/// The instance actor's RSA key pair, made on first start and kept in the node's settings.
pub async fn instance(
    db: &sea_orm::DatabaseConnection,
    maker: &KeyMaker,
) -> anyhow::Result<Keypair> {
    use crate::infra::db::{set_setting, setting};
    if let (Some(private_key), Some(public_key)) =
        (setting(db, "instance_rsa_private").await?, setting(db, "instance_rsa_public").await?)
    {
        return Ok(Keypair { private_key, public_key });
    }
    let pair = maker.rsa().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    set_setting(db, "instance_rsa_private", &pair.private_key).await?;
    set_setting(db, "instance_rsa_public", &pair.public_key).await?;
    Ok(pair)
}

/// Rotates an organisation's keys: new RSA and Ed25519 pairs replace the old, an `Update` of the actor goes to its
/// followers (who refetch the key when a signature fails to verify), and every listing it shares is re-signed and
/// sent again as an `Update`. Returns how many listings were re-signed.
pub async fn rotate(
    uow: &mut crate::infra::uow::UnitOfWork,
    net: &super::Network,
    org: &organisation::Model,
    rsa: Keypair,
) -> AppResult<usize> {
    uow.lock(crate::infra::uow::LockKind::Organisation, &[org.id]).await?;
    store(uow.db(), org.id, rsa).await?;
    super::publish::update_actor(uow, net, org.id).await?;
    let n = super::publish::resign_all(uow, net, org).await?;
    crate::domain::audit::record_raw(
        uow,
        Some(org.id),
        None,
        "keys.rotate",
        "organisation",
        Some(org.id),
        serde_json::json!({"resigned": n}),
    );
    Ok(n)
}
