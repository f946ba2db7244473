//! The cluster file: the cluster's name and every node that may ever be a member, with its
//! addresses. `raft-kv cluster` writes it; `raft-kv node --config` reads it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Most nodes a cluster file may list.
pub const MAX_NODES: usize = 9;

/// One node of the cluster file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Node id (1 or more).
    pub id: u64,
    /// Address its peer listener binds (`127.0.0.1:7001`).
    pub peer: String,
    /// Address its HTTP API binds (`127.0.0.1:8001`).
    pub http: String,
    /// Whether it is a voter of the initial membership. Others start outside the cluster and
    /// join when added as learners.
    #[serde(default = "yes")]
    pub voter: bool,
}

fn yes() -> bool {
    true
}

/// The cluster file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Cluster name, written into every data directory and every peer handshake.
    pub cluster: String,
    /// Every node that may be a member, by id.
    pub nodes: Vec<NodeSpec>,
}

impl ClusterSpec {
    /// Reads and validates a cluster file.
    pub fn load(path: &Path) -> Result<ClusterSpec, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("read {}", path.display()), e))?;
        let spec: ClusterSpec = serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks ids, counts and addresses.
    pub fn validate(&self) -> Result<(), Error> {
        if self.cluster.is_empty() || self.cluster.len() > 64 {
            return Err(Error::Config("cluster name must be 1 to 64 bytes".into()));
        }
        if self.nodes.is_empty() || self.nodes.len() > MAX_NODES {
            return Err(Error::Config(format!(
                "1 to {MAX_NODES} nodes, not {}",
                self.nodes.len()
            )));
        }
        let mut seen = BTreeMap::new();
        for n in &self.nodes {
            if n.id == 0 || seen.insert(n.id, ()).is_some() {
                return Err(Error::Config(format!(
                    "node id {} is zero or repeated",
                    n.id
                )));
            }
            for a in [&n.peer, &n.http] {
                a.parse::<std::net::SocketAddr>()
                    .map_err(|e| Error::Config(format!("node {}: address {a:?}: {e}", n.id)))?;
            }
        }
        if !self.nodes.iter().any(|n| n.voter) {
            return Err(Error::Config("no voter in the initial membership".into()));
        }
        Ok(())
    }

    /// The node with id `id`.
    pub fn node(&self, id: u64) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Ids of the initial voters.
    pub fn voters(&self) -> Vec<u64> {
        self.nodes
            .iter()
            .filter(|n| n.voter)
            .map(|n| n.id)
            .collect()
    }
}
