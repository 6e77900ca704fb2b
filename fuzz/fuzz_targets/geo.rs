//! Any four numbers a phone or a form can send: measured and converted without panicking; real positions give a
//! finite distance no longer than half the earth round.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_intake::geo::{distance_m, gcj02_to_wgs84, wgs84_to_gcj02};

fuzz_target!(|input: [f64; 4]| {
    let [lat, lng, flat, flng] = input;
    let (glat, glng) = wgs84_to_gcj02(lat, lng);
    let (wlat, wlng) = gcj02_to_wgs84(lat, lng);
    let d = distance_m(glat, glng, flat, flng);
    let _ = distance_m(wlat, wlng, flat, flng);
    let real = |a: f64, b: f64| (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b);
    if real(lat, lng) && real(flat, flng) {
        let d = distance_m(lat, lng, flat, flng);
        assert!(d.is_finite() && (0.0..=20_016_000.0).contains(&d), "{d}");
    }
    let _ = d;
});
