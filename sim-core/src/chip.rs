//! What the chip keeps beside the interpreter: its CPU frequency, RTC, reset cause, the ESP32's
//! NVS, the program `pyb.main` names, the radios' state (the micro:bit's radio while on, the Wi-Fi
//! chip's settings and whether it was powered up since `network` last looked) and the access
//! points around it. `SimState` owns one; nothing else reaches its fields.

use crate::radio::Radio;
use crate::wifi::AccessPoint;
use std::collections::BTreeMap;

/// How many keys the ESP32's NVS partition holds; beyond that the store refuses.
const NVS_KEYS: usize = 4096;

pub(crate) struct Chip {
    cpu_freq: u64,
    /// The RTC's distance from simulated time, µs.
    rtc_offset_us: i64,
    reset_cause: &'static str,
    /// The program to run after boot.py instead of main.py (the Pyboard's `pyb.main(name)`);
    /// forgotten at every boot.
    main_file: Option<String>,
    /// The ESP32's NVS partition: namespace NUL key → type tag and value (survives resets).
    nvs: BTreeMap<String, Vec<u8>>,
    /// The micro:bit radio, while the script has it on.
    mb_radio: Option<Radio>,
    /// ESP-NOW's endpoint, while the script has it active.
    espnow: Option<Radio>,
    /// The Wi-Fi radio's settings as `network` keeps them (the SDK keeps them in flash: they
    /// survive resets), and whether the chip was powered up since `network` last looked.
    wifi: String,
    wifi_cold: bool,
    /// The access points around the board, and a count of their changes.
    access_points: Vec<AccessPoint>,
    access_points_gen: u64,
}

impl Chip {
    pub fn new(cpu_freq: u64, access_points: Vec<AccessPoint>) -> Self {
        Chip {
            cpu_freq,
            rtc_offset_us: 0,
            reset_cause: "PWRON_RESET",
            main_file: None,
            nvs: BTreeMap::new(),
            mb_radio: None,
            espnow: None,
            wifi: String::new(),
            wifi_cold: true,
            access_points,
            access_points_gen: 0,
        }
    }

    pub fn cpu_freq(&self) -> u64 {
        self.cpu_freq
    }

    pub fn set_cpu_freq(&mut self, hz: u64) {
        self.cpu_freq = hz;
    }

    /// The RTC at simulated time `now_us`, µs since the port's epoch.
    pub fn rtc_us(&self, now_us: u64) -> i64 {
        i64::try_from(now_us)
            .unwrap_or(i64::MAX)
            .saturating_add(self.rtc_offset_us)
    }

    /// Sets the RTC to `us` at simulated time `now_us`.
    pub fn set_rtc_us(&mut self, now_us: u64, us: i64) {
        self.rtc_offset_us = us.saturating_sub(i64::try_from(now_us).unwrap_or(i64::MAX));
    }

    pub fn reset_cause(&self) -> &'static str {
        self.reset_cause
    }

    pub fn set_reset_cause(&mut self, cause: &'static str) {
        self.reset_cause = cause;
    }

    pub fn main_file(&self) -> Option<String> {
        self.main_file.clone()
    }

    pub fn set_main_file(&mut self, name: Option<String>) {
        self.main_file = name;
    }

    pub fn nvs_get(&self, key: &str) -> Option<Vec<u8>> {
        self.nvs.get(key).cloned()
    }

    /// Stores (or, with None, erases) an NVS key; false when the partition is full.
    pub fn nvs_set(&mut self, key: String, value: Option<Vec<u8>>) -> bool {
        match value {
            Some(v) if self.nvs.len() < NVS_KEYS || self.nvs.contains_key(&key) => {
                self.nvs.insert(key, v);
                true
            }
            Some(_) => false,
            None => {
                self.nvs.remove(&key);
                true
            }
        }
    }

    /// The micro:bit's radio, while on.
    pub fn mb_radio(&self) -> Option<&Radio> {
        self.mb_radio.as_ref()
    }

    pub fn set_mb_radio(&mut self, radio: Option<Radio>) {
        self.mb_radio = radio;
    }

    /// ESP-NOW's endpoint, while active.
    pub fn espnow(&self) -> Option<&Radio> {
        self.espnow.as_ref()
    }

    pub fn set_espnow(&mut self, radio: Option<Radio>) {
        self.espnow = radio;
    }

    /// The Wi-Fi radio's settings, and whether it was powered up since last asked (taken).
    pub fn take_wifi(&mut self) -> (String, bool) {
        (self.wifi.clone(), std::mem::take(&mut self.wifi_cold))
    }

    pub fn set_wifi(&mut self, settings: String) {
        self.wifi = settings;
    }

    /// The chip loses power (a hard reset, deep sleep, the watchdog): the Wi-Fi radio starts cold.
    pub fn power_cycle(&mut self) {
        self.wifi_cold = true;
    }

    /// The access points around the board, with a count of their changes.
    pub fn access_points(&self) -> (u64, Vec<AccessPoint>) {
        (self.access_points_gen, self.access_points.clone())
    }

    pub fn set_access_points(&mut self, aps: Vec<AccessPoint>) {
        self.access_points = aps;
        self.access_points_gen += 1;
    }
}
