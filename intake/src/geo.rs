//! Distances on the earth and the one coordinate conversion China needs: WGS-84 (GPS, `wx.getLocation` by default)
//! to GCJ-02 (the maps used in China). Geofences are stored in the system they were given in; a reported position
//! is converted into that system before measuring.

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres (haversine).
pub fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().atan2((1.0 - a).sqrt())
}

fn outside_china(lat: f64, lng: f64) -> bool {
    !(72.004..=137.8347).contains(&lng) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02 (the published forward transform; identity outside China).
pub fn wgs84_to_gcj02(lat: f64, lng: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lat, lng) {
        return (lat, lng);
    }
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let mut dlat = transform_lat(lng - 105.0, lat - 35.0);
    let mut dlng = transform_lng(lng - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let mut magic = radlat.sin();
    magic = 1.0 - EE * magic * magic;
    let sqrtmagic = magic.sqrt();
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    dlng = (dlng * 180.0) / (A / sqrtmagic * radlat.cos() * PI);
    (lat + dlat, lng + dlng)
}

/// GCJ-02 → WGS-84 by iterating the forward transform (accurate to well under a metre).
pub fn gcj02_to_wgs84(lat: f64, lng: f64) -> (f64, f64) {
    let (mut wlat, mut wlng) = (lat, lng);
    for _ in 0..5 {
        let (glat, glng) = wgs84_to_gcj02(wlat, wlng);
        wlat -= glat - lat;
        wlng -= glng - lng;
    }
    (wlat, wlng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Tiananmen to the Shanghai Bund is about 1,067 km.
        let d = distance_m(39.9087, 116.3975, 31.2400, 121.4900);
        assert!((1_060_000.0..1_075_000.0).contains(&d), "{d}");
        assert!(distance_m(30.0, 104.0, 30.0, 104.0) < 1e-6);
    }

    #[test]
    fn wgs84_and_gcj02_differ_by_hundreds_of_metres_in_china_and_round_trip() {
        let (lat, lng) = (30.657_34, 104.065_73);
        let (glat, glng) = wgs84_to_gcj02(lat, lng);
        let shift = distance_m(lat, lng, glat, glng);
        assert!((200.0..800.0).contains(&shift), "shift {shift} m");
        let (blat, blng) = gcj02_to_wgs84(glat, glng);
        assert!(distance_m(lat, lng, blat, blng) < 0.5);
        assert_eq!(wgs84_to_gcj02(48.85, 2.35), (48.85, 2.35), "no shift outside China");
    }

    proptest::proptest! {
        #[test]
        fn distances_are_finite_symmetric_and_bounded_for_real_positions(
            lat1 in -90.0f64..=90.0, lng1 in -180.0f64..=180.0, lat2 in -90.0f64..=90.0, lng2 in -180.0f64..=180.0,
        ) {
            let d = distance_m(lat1, lng1, lat2, lng2);
            proptest::prop_assert!(d.is_finite() && d >= 0.0);
            proptest::prop_assert!(d <= 20_016_000.0, "no further than half the earth round: {}", d);
            proptest::prop_assert!((d - distance_m(lat2, lng2, lat1, lng1)).abs() < 1e-6);
        }

        #[test]
        fn conversions_stay_finite_and_round_trip_in_china(lat in 18.0f64..53.0, lng in 74.0f64..134.0) {
            let (glat, glng) = wgs84_to_gcj02(lat, lng);
            proptest::prop_assert!(glat.is_finite() && glng.is_finite());
            let (blat, blng) = gcj02_to_wgs84(glat, glng);
            proptest::prop_assert!(distance_m(lat, lng, blat, blng) < 1.0);
        }

        #[test]
        fn anything_a_phone_can_send_is_measured_without_panicking(lat in proptest::num::f64::ANY, lng in proptest::num::f64::ANY) {
            let (glat, glng) = wgs84_to_gcj02(lat, lng);
            let _ = distance_m(glat, glng, 30.0, 104.0);
            let _ = gcj02_to_wgs84(lat, lng);
        }
    }
}
