//! The radio's world: the access points a board can see. A teacher describes them in a TOML file
//! (`--wifi-config`), a front end changes them while the board runs (`SimCommand::SetAccessPoints`);
//! the board's `network` module (py/network.py) scans and joins them.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// One simulated access point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPoint {
    /// Its name (SSID), 1 to 32 bytes.
    pub ssid: String,
    /// WPA2 password; empty for an open network.
    #[serde(default)]
    pub password: String,
    /// Signal strength at the board, dBm (-100 to -1).
    #[serde(default = "default_rssi")]
    pub rssi: i32,
    /// Radio channel, 1 to 14.
    #[serde(default = "default_channel")]
    pub channel: u8,
    /// The router is on (a front end can switch it off: the board then loses the connection).
    #[serde(default = "default_true")]
    pub online: bool,
    /// Hidden: not in scans, but joinable by name.
    #[serde(default)]
    pub hidden: bool,
    /// The network the router hands out addresses on, `a.b.c` (the board gets `a.b.c.N`).
    #[serde(default = "default_subnet")]
    pub subnet: String,
}

fn default_rssi() -> i32 {
    -60
}
fn default_channel() -> u8 {
    6
}
fn default_true() -> bool {
    true
}
fn default_subnet() -> String {
    "192.168.1".into()
}

/// A `--wifi-config` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WifiFile {
    #[serde(default, rename = "ap")]
    aps: Vec<AccessPoint>,
}

/// What is wrong with a `--wifi-config` file.
#[derive(Debug, thiserror::Error)]
pub enum WifiConfigError {
    /// It cannot be read.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// It is not valid TOML, or has unknown keys.
    #[error("{0}: {1}")]
    Parse(String, String),
    /// A value is out of range.
    #[error("{0}: access point {1:?}: {2}")]
    Invalid(String, String, String),
}

impl AccessPoint {
    /// An open or WPA2 access point with the defaults for the rest.
    pub fn new(ssid: &str, password: &str, rssi: i32, channel: u8) -> Self {
        AccessPoint {
            ssid: ssid.into(),
            password: password.into(),
            rssi,
            channel,
            online: true,
            hidden: false,
            subnet: default_subnet(),
        }
    }

    /// Why this access point cannot exist, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if self.ssid.is_empty() || self.ssid.len() > 32 {
            return Some("ssid must be 1 to 32 bytes".into());
        }
        // WPA2 takes at most 63 characters (the simulator also lets short classroom ones be).
        if self.password.len() > 63 {
            return Some("password must be at most 63 bytes".into());
        }
        if !(-100..=-1).contains(&self.rssi) {
            return Some("rssi must be between -100 and -1 dBm".into());
        }
        if !(1..=14).contains(&self.channel) {
            return Some("channel must be 1 to 14".into());
        }
        let parts: Vec<&str> = self.subnet.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.parse::<u8>().is_err()) {
            return Some("subnet must look like 192.168.1".into());
        }
        None
    }
}

/// The access points a board sees when nobody configured any: enough for the examples.
pub fn default_access_points() -> Vec<AccessPoint> {
    vec![
        AccessPoint::new("ClassroomWiFi", "secret", -52, 6),
        AccessPoint::new("HomeNetwork", "micropython", -67, 11),
        AccessPoint {
            subnet: "10.0.0".into(),
            ..AccessPoint::new("CoffeeShop", "", -81, 1)
        },
    ]
}

/// Reads a `--wifi-config` file: `[[ap]]` tables with `ssid`, `password`, `rssi`, `channel`,
/// `online`, `hidden`, `subnet`.
pub fn load_access_points(path: &Path) -> Result<Vec<AccessPoint>, WifiConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| WifiConfigError::Io(name.clone(), e))?;
    parse_access_points(&name, &text)
}

/// Parses the text of a `--wifi-config` file (`name` is used in errors).
pub fn parse_access_points(name: &str, text: &str) -> Result<Vec<AccessPoint>, WifiConfigError> {
    let file: WifiFile =
        toml::from_str(text).map_err(|e| WifiConfigError::Parse(name.into(), e.to_string()))?;
    for ap in &file.aps {
        if let Some(p) = ap.problem() {
            return Err(WifiConfigError::Invalid(name.into(), ap.ssid.clone(), p));
        }
    }
    Ok(file.aps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_is_parsed_and_checked() {
        let aps = parse_access_points(
            "aps.toml",
            "[[ap]]\nssid = \"Lab\"\npassword = \"pw123456\"\nrssi = -40\n[[ap]]\nssid = \"Open\"\nchannel = 3\nonline = false\n",
        )
        .unwrap();
        assert_eq!(aps.len(), 2);
        assert_eq!(aps[0].rssi, -40);
        assert!(!aps[1].online);
        assert_eq!(aps[1].channel, 3);
        let e = parse_access_points("x", "[[ap]]\nssid = \"A\"\nchannel = 15\n").unwrap_err();
        assert!(e.to_string().contains("channel must be 1 to 14"), "{e}");
        let e = parse_access_points("x", "[[ap]]\nname = \"A\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        assert!(
            default_access_points()
                .iter()
                .all(|a| a.problem().is_none())
        );
    }
}
