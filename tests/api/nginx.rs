//! Two instances behind the shipped `deploy/nginx.conf`, run by a real nginx: live events cross instances
//! through the proxy, the client address comes from what nginx saw (not from what the client wrote), and rate
//! limits are shared by both instances.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{
    Backend, ClockExt, SseReader, TestApp, backend, must_run_everything, nonce, spawn_app_with, spawn_on, test_settings,
};

struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// nginx with the shipped site configuration, its upstreams pointed at the two test instances.
fn start_nginx(binary: &str, upstreams: [u16; 2]) -> Nginx {
    let site =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert!(site.contains("server app1:8080") && site.contains("server app2:8080") && site.contains("listen 80;"));
    let site = site
        .replace("server app1:8080", &format!("server 127.0.0.1:{}", upstreams[0]))
        .replace("server app2:8080", &format!("server 127.0.0.1:{}", upstreams[1]))
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let conf = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let child = Command::new(binary)
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start: {}",
            std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Nginx { child, port, _dir: dir }
}

fn client_from(addr: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(addr.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
}

async fn guess(client: &reqwest::Client, base: &str, forged: Option<String>) -> u16 {
    let mut request = client
        .post(format!("{base}/api/v1/auth/invite"))
        .json(&json!({"invite_code": "ABCDEFGHJK", "device_id": "guesser-phone"}));
    if let Some(f) = forged {
        request = request.header("x-forwarded-for", f);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Two instances on one database and one Redis, each trusting only a proxy on 127.0.0.1.
async fn two_instances() -> (TestApp, TestApp) {
    let trust = |s: &mut rollcall::config::Settings| {
        s.server.trust_forwarded_for = true;
        s.server.trusted_proxies = "127.0.0.1".to_owned();
    };
    let a = spawn_app_with(trust).await;
    let mut settings = test_settings(&a._db);
    settings.redis.key_prefix = a.state.settings.redis.key_prefix.clone();
    trust(&mut settings);
    let b = spawn_on(a._db.shared_view(), settings).await;
    b.clock.set(a.clock.now_utc());
    (a, b)
}

#[tokio::test]
async fn behind_the_shipped_nginx_events_cross_instances_addresses_cannot_be_forged_and_limits_are_shared() {
    if backend() != Backend::Postgres {
        return; // two instances share state through PostgreSQL and Redis
    }
    let Some(binary) = nginx_binary() else {
        assert!(!must_run_everything(), "nginx is required for this test (apt install nginx-light)");
        eprintln!("SKIPPED: nginx is not installed (apt install nginx-light)");
        return;
    };
    let (a, b) = two_instances().await;
    let ports = [
        a.address.rsplit(':').next().unwrap().parse().unwrap(),
        b.address.rsplit(':').next().unwrap().parse().unwrap(),
    ];
    let nginx = start_nginx(binary, ports);
    let proxy = format!("http://127.0.0.1:{}", nginx.port);

    // A stream opened through nginx sees check-ins made on either instance within a second.
    let f = a.checkin_fixture(2, None).await;
    let response = reqwest::Client::new()
        .get(format!("{proxy}/api/v1/sessions/{}/live", f.session_id))
        .bearer_auth(&f.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = SseReader::new(response);
    assert_eq!(stream.next(Duration::from_secs(2)).await.expect("snapshot").event, "snapshot");
    let qr = a.qr_token(&f.admin_token, &f.session_id).await;
    for (i, instance) in [&a, &b].into_iter().enumerate() {
        let token = instance.trainee_token(&f.trainees[i].1, &format!("phone-nginx-{i:04}")).await;
        let started = Instant::now();
        assert_eq!(instance.scan(&token, &qr, &nonce(), None).await.status(), 201);
        let event = stream.next(Duration::from_secs(1)).await.expect("the check-in arrives through nginx within 1 s");
        assert_eq!(
            (event.event.as_str(), event.data["enrollment_id"].as_str()),
            ("checked_in", Some(f.trainees[i].2.as_str()))
        );
        println!("check-in on instance {} reached the stream through nginx in {:?}", i + 1, started.elapsed());
    }

    // Through nginx, a client that writes a new X-Forwarded-For into every guess is still one address.
    let guesser = client_from("127.0.0.2");
    let mut statuses = Vec::new();
    for n in 0..14 {
        statuses.push(guess(&guesser, &proxy, Some(format!("198.51.100.{n}"))).await);
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429; 4], "the 11th guess waits, whatever the header says: {statuses:?}");
    assert_eq!(
        guess(&client_from("127.0.0.3"), &proxy, None).await,
        401,
        "another client behind nginx has its own limit"
    );

    // Straight to the instances, one client alternating between them meets one shared limit.
    let direct = client_from("127.0.0.4");
    let mut statuses = Vec::new();
    for n in 0..12 {
        let base = if n % 2 == 0 { &a.address } else { &b.address };
        statuses.push(guess(&direct, base, Some("203.0.113.9".to_owned())).await);
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429; 2], "ten guesses across both instances use up one quota: {statuses:?}");
}
