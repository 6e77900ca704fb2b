//! Positions: the maths lives in [`rollcall_intake::geo`]; this adds the conversion between the coordinate systems
//! a geofence or a phone names.

pub use rollcall_intake::geo::{distance_m, gcj02_to_wgs84, wgs84_to_gcj02};

use crate::timetable::CoordSystem;

/// A position converted into `to`.
pub fn convert(lat: f64, lng: f64, from: CoordSystem, to: CoordSystem) -> (f64, f64) {
    match (from, to) {
        (CoordSystem::Wgs84, CoordSystem::Gcj02) => wgs84_to_gcj02(lat, lng),
        (CoordSystem::Gcj02, CoordSystem::Wgs84) => gcj02_to_wgs84(lat, lng),
        _ => (lat, lng),
    }
}
