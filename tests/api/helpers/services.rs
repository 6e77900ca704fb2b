//! Outside services a test runs for itself.

/// A Redis server of the test's own, so stopping it disturbs nobody else.
pub struct OwnRedis {
    child: std::process::Child,
    pub port: u16,
}

impl OwnRedis {
    pub fn start() -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> Option<OwnRedis> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(OwnRedis { child, port });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts Redis again on the same port (empty, as after a restart without persistence).
    pub fn restart(&mut self) {
        self.stop();
        let again = Self::start_on(self.port).expect("redis-server restarts on its port");
        *self = again;
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
