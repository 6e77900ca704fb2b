//! There is no Docker engine here, so check what can be checked: docker-compose.yml parses and has the
//! production shape the README describes.

use serde_yaml_ng::Value;

fn compose() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docker-compose.yml");
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn compose_runs_postgres_redis_two_instances_and_nginx() {
    let doc = compose();
    let services = doc["services"].as_mapping().unwrap();
    let names: Vec<&str> = services.keys().filter_map(Value::as_str).collect();
    for want in ["postgres", "redis", "app1", "app2", "nginx"] {
        assert!(names.contains(&want), "service {want} missing from {names:?}");
    }
    for app in ["app1", "app2"] {
        let mut service = services[app].clone();
        service.apply_merge().unwrap();
        let env = &service["environment"];
        assert!(env["DATABASE_URL"].as_str().unwrap().starts_with("postgres://"), "{app} uses PostgreSQL");
        assert!(env["REDIS_URL"].as_str().unwrap().starts_with("redis://"), "{app} uses Redis");
        assert!(env["ROLLCALL__SECURITY__MASTER_SECRET"].is_string(), "{app} shares one master secret");
    }
    let nginx_conf =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf")).unwrap();
    assert!(nginx_conf.contains("app1:8080") && nginx_conf.contains("app2:8080"));
}

#[test]
fn the_readme_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let first_block = readme.split("```sh").nth(1).unwrap().split("```").next().unwrap();
    let commands: Vec<&str> =
        first_block.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()).collect();
    assert_eq!(commands, ["cargo run -- demo", "scripts/test"]);
    let ci = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(ci.contains("scripts/test"), ".ci/run calls the README's test command");
}
