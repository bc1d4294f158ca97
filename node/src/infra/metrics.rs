//! The node's Prometheus metrics: requests by route and status, latency, database pool.

use std::sync::atomic::AtomicI64;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    host: String,
}

/// One peer's delivery figures, as the `/metrics` scrape reads them from the database.
#[derive(Clone, Debug, Default)]
pub struct PeerFigures {
    /// Host.
    pub host: String,
    /// Deliveries waiting.
    pub pending: i64,
    /// Age of the oldest waiting delivery, in seconds.
    pub oldest_pending_seconds: i64,
    /// Delivered so far.
    pub delivered: i64,
    /// Failed attempts so far.
    pub failed: i64,
    /// Permanently rejected so far.
    pub rejected: i64,
    /// Whether the peer is dead (its queue parked).
    pub dead: bool,
}

/// The node's Prometheus metrics.
#[derive(Debug)]
pub struct Metrics {
    peers: [Family<PeerLabels, Gauge<i64, AtomicI64>>; 6],
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool_size: Gauge<i64, AtomicI64>,
    pool_idle: Gauge<i64, AtomicI64>,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sanad");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        let pool_size = Gauge::<i64, AtomicI64>::default();
        let pool_idle = Gauge::<i64, AtomicI64>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register("db_pool_connections", "Open database connections", pool_size.clone());
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        let peers: [Family<PeerLabels, Gauge<i64, AtomicI64>>; 6] = Default::default();
        for (family, (name, help)) in peers.iter().zip([
            ("federation_pending", "Deliveries waiting for a peer"),
            ("federation_oldest_pending_seconds", "Age of a peer's oldest waiting delivery"),
            ("federation_delivered", "Deliveries a peer accepted"),
            ("federation_failed", "Delivery attempts to a peer that failed (retried)"),
            ("federation_rejected", "Deliveries a peer rejected with a 4xx"),
            ("federation_peer_dead", "1 when a peer is marked dead and its queue parked"),
        ]) {
            registry.register(name, help, family.clone());
        }
        Self { registry, requests, latency, pool_size, pool_idle, peers }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Counts one request and its latency, labelled by method and matched route.
    pub fn observe_request(&self, method: String, route: String, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status })
            .inc();
        self.latency.get_or_create(&RouteLabels { method, route }).observe(seconds);
    }

    /// Records the database pool's size and idle connections.
    pub fn set_pool(&self, size: i64, idle: i64) {
        self.pool_size.set(size);
        self.pool_idle.set(idle);
    }

    /// Sets the federation gauges from the peers' current figures.
    pub fn set_peers(&self, peers: &[PeerFigures]) {
        for family in &self.peers {
            family.clear();
        }
        for p in peers {
            let labels = PeerLabels { host: p.host.clone() };
            let values = [
                p.pending,
                p.oldest_pending_seconds,
                p.delivered,
                p.failed,
                p.rejected,
                i64::from(p.dead),
            ];
            for (family, value) in self.peers.iter().zip(values) {
                family.get_or_create(&labels).set(value);
            }
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> Option<String> {
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry).ok()?;
        Some(body)
    }
}
