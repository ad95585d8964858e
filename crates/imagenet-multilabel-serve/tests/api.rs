//! The JSON API over HTTP: filters, images, models, the queue, reviews, and every kind of bad
//! request (they get a 4xx and a message, never a 500).

mod common;

use std::collections::HashSet;

use common::Fixture;
use imagenet_multilabel::metrics::{evaluate, EvalOptions};
use imagenet_multilabel::predictions::{self, LoadOptions};
use imagenet_multilabel::{ClassId, ImageId, LabelStatus};
use serde_json::{json, Value};

fn file_names(v: &Value) -> Vec<String> {
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file_name"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of `/api/images?query`, concatenated.
fn all_pages(server: &common::Server, query: &str) -> Vec<String> {
    let mut names = Vec::new();
    for page in 1.. {
        let a = server.get(&format!("/api/images?{query}&per_page=500&page={page}"));
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let v = a.json();
        names.extend(file_names(&v));
        if page >= v["pages"].as_u64().unwrap() {
            break;
        }
    }
    names
}

fn names_of<'a>(records: impl Iterator<Item = &'a imagenet_multilabel::Record>) -> Vec<String> {
    records.map(|r| r.image().file_name()).collect()
}

#[test]
fn browse_filters_match_the_annotations() {
    let f = Fixture::new();
    let s = f.serve(None);
    let recs = f.annotations.records();

    let first = s.get("/api/images").json();
    assert_eq!(first["total"], recs.len());
    assert_eq!(first["per_page"], 100);
    assert_eq!(first["pages"], recs.len().div_ceil(100));
    let one = &first["images"][0];
    let r0 = &recs[0];
    assert_eq!(one["file_name"], r0.image().file_name());
    assert_eq!(one["original"]["wnid"], r0.original().wnid());
    assert_eq!(one["original"]["name"], r0.original().info().clean_name);
    assert_eq!(one["correct"].as_array().unwrap().len(), r0.correct().len());
    let second = s.get("/api/images?page=2").json();
    assert_eq!(file_names(&second)[0], recs[100].image().file_name());
    let beyond = s.get("/api/images?page=999").json();
    assert!(file_names(&beyond).is_empty());

    let class = recs[3].original();
    let expected = names_of(
        recs.iter()
            .filter(|r| r.original() == class || r.correct().contains(&class)),
    );
    for text in [
        class.wnid().to_string(),
        class.index().to_string(),
        class.info().clean_name.to_uppercase(),
    ] {
        let q = format!("class={}", text.replace(' ', "%20"));
        assert_eq!(all_pages(&s, &q), expected, "class={text}");
    }
    assert_eq!(
        all_pages(&s, "problematic=true"),
        names_of(recs.iter().filter(|r| r.problematic()))
    );
    assert_eq!(
        all_pages(&s, "problematic=false&imagenet_m=true"),
        names_of(recs.iter().filter(|r| !r.problematic() && r.imagenet_m()))
    );
    assert_eq!(
        all_pages(&s, "multilabel=true"),
        names_of(recs.iter().filter(|r| r.correct().len() > 1))
    );

    let vit = predictions::load(&f.models[0], &LoadOptions::default()).unwrap();
    let report = evaluate(&f.annotations, &vit, &EvalOptions::default()).unwrap();
    let missed: Vec<String> = report
        .mistakes
        .iter()
        .map(|m| m.image.file_name())
        .collect();
    assert!(!missed.is_empty());
    assert_eq!(all_pages(&s, "missed_by=vit"), missed);

    // Unreviewed: some loaded model's top-1 on a graded image is in none of the lists.
    let conv = predictions::load(&f.models[1], &LoadOptions::default()).unwrap();
    let unreviewed = names_of(recs.iter().filter(|r| {
        !r.problematic()
            && [&vit, &conv].iter().any(|p| {
                let top1 = p.ranking(r.image()).and_then(|k| k.top1());
                top1.is_some_and(|c| r.status(c) == LabelStatus::Unreviewed)
            })
    }));
    assert!(!unreviewed.is_empty());
    assert_eq!(all_pages(&s, "unreviewed=true"), unreviewed);
}

#[test]
fn bad_requests_get_4xx_with_a_message() {
    let f = Fixture::new();
    let s = f.serve(None);
    let cases: &[(&str, u16, &str)] = &[
        ("/api/images?class=no-such-thing", 400, "no such class"),
        ("/api/images?page=0", 400, "page=\"0\""),
        ("/api/images?per_page=100000", 400, "per_page"),
        (
            "/api/images?problematic=maybe",
            400,
            "expected true or false",
        ),
        (
            "/api/images?colour=red",
            400,
            "unknown parameter \"colour\"",
        ),
        (
            "/api/images?missed_by=gpt",
            404,
            "no model named \"gpt\"; loaded: vit, convnext",
        ),
        ("/api/image/foo.jpg", 400, "not a validation image name"),
        (
            "/api/image/ILSVRC2012_val_00000000.JPEG",
            400,
            "not a validation image name",
        ),
        (
            "/api/image/ILSVRC2012_val_00050001.JPEG",
            400,
            "not a validation image name",
        ),
        ("/api/model/gpt", 404, "no model named"),
        (
            "/api/model/vit?kind=awful",
            400,
            "expected wrong, unreviewed or background",
        ),
        ("/api/queue?model=gpt", 404, "no model named"),
        ("/api/queue?limit=0", 400, "limit"),
        ("/api/reviews?file_name=x", 400, "expected ILSVRC2012_val_"),
        ("/nowhere", 404, "nothing at /nowhere"),
        ("/assets/secret.txt", 404, "no asset"),
    ];
    for (path, status, message) in cases {
        let a = s.get(path);
        assert_eq!(
            a.status,
            *status,
            "{path}: {}",
            String::from_utf8_lossy(&a.body)
        );
        assert!(
            a.error().contains(message),
            "{path}: {:?} lacks {message:?}",
            a.error()
        );
    }
    // An image number that is valid but not annotated.
    let annotated: HashSet<ImageId> = f.annotations.records().iter().map(|r| r.image()).collect();
    let other = ImageId::all().find(|i| !annotated.contains(i)).unwrap();
    let a = s.get(&format!("/api/image/{other}"));
    assert_eq!(a.status, 404);
    assert!(
        a.error().contains("not an annotated image"),
        "{}",
        a.error()
    );
}

#[test]
fn no_request_path_reaches_the_filesystem() {
    let f = Fixture::new();
    let s = f.serve(None);
    for path in [
        "/img/..%2f..%2fetc%2fpasswd",
        "/img/..%2F..%2F..%2Fetc%2Fpasswd?size=64",
        "/img/%2e%2e/%2e%2e/etc/passwd",
        "/img/ILSVRC2012_val_00000001.JPEG%00.txt",
        "/img/ILSVRC2012_val_00000001.JPEG%2f..%2f..%2fetc%2fpasswd",
        "/img/..\\..\\etc\\passwd",
        "/api/image/..%2f..%2fetc%2fpasswd",
        "/assets/..%2f..%2fCargo.toml",
        "/img/%ff%fe",
    ] {
        let a = s.get(path);
        assert!((400..500).contains(&a.status), "{path}: {}", a.status);
        assert!(
            !String::from_utf8_lossy(&a.body).contains("root:"),
            "{path}"
        );
    }
    let a = s.get("/img/..%2f..%2fetc%2fpasswd");
    assert_eq!(a.status, 400);
    assert!(
        a.error().contains("not a validation image name"),
        "{}",
        a.error()
    );
}

#[test]
fn images_are_the_original_bytes_and_cached_thumbnails() {
    let f = Fixture::new();
    let s = f.serve(None);
    let image = f.annotations.records()[0].image();
    let a = s.get(&format!("/img/{image}"));
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        a.body,
        f.tar_spec.jpeg(image),
        "the JPEG exactly as the tar holds it"
    );

    let t = s.get(&format!("/img/{image}?size=8"));
    assert_eq!(t.status, 400);
    assert!(t.error().contains("from 16 to 1024"), "{}", t.error());
    let t = s.get(&format!("/img/{image}?size=16"));
    assert_eq!(t.status, 200);
    let rgb = imagenet_multilabel::images::decode_rgb(&t.body).unwrap();
    assert_eq!(
        (rgb.width, rgb.height),
        (16, 12),
        "the 16×12 fixture JPEG is never enlarged"
    );
    let t = s.get(&format!("/img/{image}?size=8"));
    assert_eq!(t.status, 400);
    let cached: Vec<_> = walk(&f.cache())
        .into_iter()
        .filter(|p| p.ends_with(format!("16/{}.jpg", image.number())))
        .collect();
    assert_eq!(cached.len(), 1, "one cached thumbnail");
    assert_eq!(
        std::fs::read(&cached[0]).unwrap(),
        s.get(&format!("/img/{image}?size=16")).body
    );

    let a = s.get(&format!("/img/{}", f.absent));
    assert_eq!(a.status, 404);
    assert!(a.error().contains("is not in"), "{}", a.error());
    let a = s.get(&format!("/api/image/{}", f.absent)).json();
    assert_eq!(a["in_source"], false);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn models_have_the_figures_eval_gives_and_mistakes_worst_first() {
    let f = Fixture::new();
    let s = f.serve(None);
    let vit = predictions::load(&f.models[0], &LoadOptions::default()).unwrap();
    let report = evaluate(&f.annotations, &vit, &EvalOptions::default()).unwrap();
    let list = s.get("/api/models").json();
    let names: Vec<&str> = list["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vit", "convnext"]);
    let m = s.get("/api/model/vit?per_page=500").json();
    assert_eq!(
        m["report"]["multilabel_accuracy"]["value"]
            .as_f64()
            .unwrap(),
        report.multilabel_accuracy.value
    );
    assert_eq!(
        m["report"]["imagenet_m"]["correct"],
        report.imagenet_m.correct
    );
    let graded: Vec<_> = report.mistakes.iter().filter(|k| !k.problematic).collect();
    assert_eq!(m["mistakes"]["total"], graded.len());
    let items = m["mistakes"]["items"].as_array().unwrap();
    let rank = |k: &str| {
        ["wrong", "unreviewed", "background"]
            .iter()
            .position(|x| *x == k)
            .unwrap()
    };
    for pair in items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ka, kb) = (
            rank(a["kind"].as_str().unwrap()),
            rank(b["kind"].as_str().unwrap()),
        );
        assert!(ka <= kb, "kinds in order");
        if ka == kb {
            assert!(
                a["severity"].as_u64() >= b["severity"].as_u64(),
                "severity descending within a kind"
            );
        }
    }
    let unreviewed = s.get("/api/model/vit?kind=unreviewed&per_page=500").json();
    let n = graded
        .iter()
        .filter(|k| k.status == LabelStatus::Unreviewed)
        .count();
    assert_eq!(unreviewed["mistakes"]["total"], n);
    assert_eq!(m["mistake_counts"]["unreviewed"], n);
    assert_eq!(m["unreviewed_pending"], n);
}

#[test]
fn the_queue_offers_unreviewed_top1s_and_a_review_takes_one_out() {
    let f = Fixture::new();
    let s = f.serve(None);
    let q = s.get("/api/queue?model=vit&limit=5").json();
    let total = q["remaining"].as_u64().unwrap();
    assert!(total > 0);
    let pairs = q["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 5);
    let vit = predictions::load(&f.models[0], &LoadOptions::default()).unwrap();
    for p in pairs {
        let image = ImageId::from_file_name(p["file_name"].as_str().unwrap()).unwrap();
        let label = ClassId::from_wnid(p["label"].as_str().unwrap()).unwrap();
        assert_eq!(
            vit.ranking(image).unwrap().top1(),
            Some(label),
            "the model's top-1"
        );
        let record = f.annotations.get(image).unwrap();
        assert_eq!(record.status(label), LabelStatus::Unreviewed);
        assert!(!record.problematic());
        assert_eq!(p["model"], "vit");
        assert_eq!(p["candidate"]["name"], label.info().clean_name);
        assert!(!p["candidate"]["gloss"].as_str().unwrap().is_empty());
        for e in p["examples"].as_array().unwrap() {
            let e = f
                .annotations
                .get(ImageId::from_file_name(e.as_str().unwrap()).unwrap())
                .unwrap();
            assert_eq!(e.original(), label);
        }
    }
    let first = &pairs[0];
    let posted = s.post_json(
        "/api/reviews",
        &json!({"file_name": first["file_name"], "label": first["label"], "decision": "correct", "reviewer": "ada", "model": "vit"}),
    );
    assert_eq!(
        posted.status,
        201,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    let r = posted.json();
    assert_eq!(r["file_name"], first["file_name"]);
    assert_eq!(r["label"], first["label"]);
    assert_eq!(r["decision"], "correct");
    assert_eq!(r["reviewer"], "ada");
    assert_eq!(r["model"], "vit");
    assert_eq!(r["undone"], false);
    assert!(r["id"].as_i64().unwrap() > 0);
    let q2 = s.get("/api/queue?model=vit&limit=5").json();
    assert_eq!(
        q2["remaining"].as_u64().unwrap(),
        total - 1,
        "one review settles a pair by default"
    );
    assert_ne!(q2["pairs"][0]["file_name"], first["file_name"]);
    let image = s
        .get(&format!(
            "/api/image/{}",
            first["file_name"].as_str().unwrap()
        ))
        .json();
    assert_eq!(image["reviews"][0]["id"], r["id"]);

    // Undo: only by the same reviewer; then the pair is back.
    let id = r["id"].as_i64().unwrap();
    let a = s.post_json(
        &format!("/api/reviews/{id}/undo"),
        &json!({"reviewer": "bob"}),
    );
    assert_eq!(a.status, 403, "{}", String::from_utf8_lossy(&a.body));
    let a = s.post_json("/api/reviews/999999/undo", &json!({"reviewer": "ada"}));
    assert_eq!(a.status, 404, "{}", String::from_utf8_lossy(&a.body));
    let a = s.post_json(
        &format!("/api/reviews/{id}/undo"),
        &json!({"reviewer": "ada"}),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["undone"], true);
    assert_eq!(
        s.get("/api/queue?model=vit").json()["remaining"]
            .as_u64()
            .unwrap(),
        total
    );
    let a = s.post_json("/api/reviews/abc/undo", &json!({"reviewer": "ada"}));
    assert_eq!(a.status, 400);
}

#[test]
fn review_posts_are_validated() {
    let f = Fixture::new();
    let s = f.serve(None);
    let pair = s.get("/api/queue?limit=1").json()["pairs"][0].clone();
    let good = json!({"file_name": pair["file_name"], "label": pair["label"], "decision": "wrong", "reviewer": "ada"});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let record = f
        .annotations
        .get(ImageId::from_file_name(pair["file_name"].as_str().unwrap()).unwrap())
        .unwrap();
    let judged = record.correct()[0].wnid();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with("decision", json!("maybe")),
            400,
            "expected correct, wrong or unclear",
        ),
        (
            with("label", json!("n99999999")),
            400,
            "wnid of one of the 1000 classes",
        ),
        (
            with("file_name", json!("../etc/passwd")),
            400,
            "expected ILSVRC2012_val_",
        ),
        (with("reviewer", json!("  ")), 400, "1 to 64 characters"),
        (
            with("reviewer", json!("x".repeat(65))),
            400,
            "1 to 64 characters",
        ),
        (with("extra", json!(1)), 400, "unknown field `extra`"),
        (
            json!({"file_name": pair["file_name"]}),
            400,
            "missing field",
        ),
        (with("label", json!(judged)), 409, "already judged"),
    ];
    for (body, status, message) in cases {
        let a = s.post_json("/api/reviews", &body);
        assert_eq!(
            a.status,
            status,
            "{body}: {}",
            String::from_utf8_lossy(&a.body)
        );
        assert!(
            a.error().contains(message),
            "{body}: {:?} lacks {message:?}",
            a.error()
        );
    }
    let a = s.raw(
        "POST",
        "/api/reviews",
        &[("Content-Type", "application/json")],
        b"{not json",
    );
    assert_eq!(a.status, 400);
    assert!(a.error().contains("bad JSON body"), "{}", a.error());
    let big = vec![b' '; 20 * 1024];
    let a = s.raw(
        "POST",
        "/api/reviews",
        &[("Content-Type", "application/json")],
        &big,
    );
    assert_eq!(a.status, 413);
    // Not JSON: what a cross-site form could send.
    let body = serde_json::to_vec(&good).unwrap();
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let a = s.raw("POST", "/api/reviews", &[("Content-Type", ct)], &body);
        assert_eq!(a.status, 415, "{ct}");
    }
    // Another site's page.
    let a = s.raw(
        "POST",
        "/api/reviews",
        &[
            ("Content-Type", "application/json"),
            ("Origin", "http://evil.example"),
        ],
        &body,
    );
    assert_eq!(a.status, 403);
    assert!(a.error().contains("cross-site"), "{}", a.error());
    assert_eq!(
        s.get("/api/reviews").json()["reviews"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing refused was stored"
    );
    // The server's own pages, and a script with no Origin.
    let own = format!("http://{}", s.host());
    let a = s.raw(
        "POST",
        "/api/reviews",
        &[("Content-Type", "application/json"), ("Origin", &own)],
        &body,
    );
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        s.post_json("/api/reviews", &with("reviewer", json!("bob")))
            .status,
        201
    );
    assert_eq!(
        s.get("/api/reviews").json()["reviews"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn host_and_token_are_checked_on_every_request() {
    let f = Fixture::new();
    let s = f.serve(None);
    let a = s.raw("GET", "/api/images", &[("Host", "evil.example:80")], b"");
    assert_eq!(a.status, 403, "a DNS-rebinding page names its own host");
    assert_eq!(
        s.raw(
            "GET",
            "/api/images",
            &[("Host", &format!("localhost:{}", s.addr.port()))],
            b""
        )
        .status,
        200
    );

    let s = f.serve(Some("s3cret-token"));
    for path in [
        "/",
        "/api/images",
        "/img/ILSVRC2012_val_00000001.JPEG",
        "/assets/app.js",
    ] {
        let a = s.get(path);
        assert_eq!(a.status, 401, "{path}");
        assert!(a.error().contains("token"), "{}", a.error());
    }
    assert_eq!(
        s.raw("GET", "/api/images", &[("X-Token", "wrong-token!")], b"")
            .status,
        401
    );
    assert_eq!(
        s.raw("GET", "/api/images", &[("X-Token", "s3cret-token")], b"")
            .status,
        200
    );
    let page = s.get("/?token=s3cret-token");
    assert_eq!(page.status, 200);
    let cookie = page.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("iml_token=s3cret-token;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(
        s.raw(
            "GET",
            "/api/models",
            &[("Cookie", "iml_token=s3cret-token")],
            b""
        )
        .status,
        200
    );
    let pair = s
        .raw(
            "GET",
            "/api/queue?limit=1",
            &[("X-Token", "s3cret-token")],
            b"",
        )
        .json()["pairs"][0]
        .clone();
    let body = serde_json::to_vec(&json!({"file_name": pair["file_name"], "label": pair["label"], "decision": "unclear", "reviewer": "ada"})).unwrap();
    assert_eq!(
        s.raw(
            "POST",
            "/api/reviews",
            &[("Content-Type", "application/json")],
            &body
        )
        .status,
        401
    );
    let a = s.raw(
        "POST",
        "/api/reviews",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer s3cret-token"),
        ],
        &body,
    );
    assert_eq!(a.status, 201);
}

#[test]
fn thirty_two_concurrent_writers_all_land_once() {
    let f = Fixture::new();
    let s = f.serve(None);
    let pairs = s.get("/api/queue?limit=100").json()["pairs"]
        .as_array()
        .unwrap()
        .clone();
    let addr = s.addr;
    let host = s.host();
    let acknowledged: Vec<i64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..32)
            .map(|t| {
                let (pairs, host) = (&pairs, &host);
                scope.spawn(move || {
                    (0..10)
                        .map(|i| {
                            let p = &pairs[(t * 10 + i) % pairs.len()];
                            let body = serde_json::to_vec(&json!({
                                "file_name": p["file_name"], "label": p["label"],
                                "decision": "correct", "reviewer": format!("r{t}"), "model": p["model"],
                            }))
                            .unwrap();
                            let a = common::request(addr, "POST", "/api/reviews", &[("Content-Type", "application/json")], &body, host);
                            assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
                            a.json()["id"].as_i64().unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(acknowledged.len(), 320);
    let stored: Vec<i64> = s.get("/api/reviews").json()["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut a = acknowledged.clone();
    a.sort_unstable();
    assert_eq!(
        stored, a,
        "every acknowledged review stored, once, in id order"
    );
}

#[test]
fn pages_are_shells_with_escaped_subjects() {
    let f = Fixture::new();
    let s = f.serve(None);
    for (path, page) in [
        ("/", "browse"),
        ("/review", "review"),
        ("/model/vit", "model"),
        ("/image/ILSVRC2012_val_00000001.JPEG", "image"),
    ] {
        let a = s.get(path);
        assert_eq!(a.status, 200, "{path}");
        assert!(a.header("content-type").unwrap().starts_with("text/html"));
        let html = String::from_utf8(a.body).unwrap();
        assert!(html.contains(&format!("data-page=\"{page}\"")), "{path}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no external resource"
        );
    }
    let html = String::from_utf8(s.get("/model/%3Cscript%3Ealert(1)%3C%2Fscript%3E").body).unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let js = s.get("/assets/app.js");
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(String::from_utf8(js.body).unwrap().contains("/api/queue"));
}

#[test]
fn a_built_dataset_serves_the_same_bytes_as_the_tar() {
    use imagenet_multilabel::tfds::{DatasetWriter, WriteOptions};
    use imagenet_multilabel::thumbnails::ImageSource;
    let f = Fixture::new();
    // Complete (positions from TFDS's order key), then built without one image (positions
    // read from the split).
    for (name, missing) in [("complete", vec![]), ("partial", vec![f.absent])] {
        let mut sizes = vec![None; 50_001];
        let images: Vec<ImageId> = f
            .annotations
            .records()
            .iter()
            .map(|r| r.image())
            .filter(|i| !missing.contains(i))
            .collect();
        for &i in &images {
            sizes[i.number() as usize] = Some(f.tar_spec.jpeg(i).len() as u64);
        }
        let data_dir = f.dir.path().join(name);
        let options = WriteOptions {
            missing: missing.clone(),
            ..WriteOptions::default()
        };
        let writer = DatasetWriter::create(&data_dir, &f.annotations, &sizes, &options).unwrap();
        for &i in images.iter().rev() {
            writer.write_image(i, &f.tar_spec.jpeg(i)).unwrap();
        }
        writer.finish().unwrap();
        let s = f.serve_source(ImageSource::Dataset(data_dir), None);
        for &i in images.iter().step_by(97) {
            let a = s.get(&format!("/img/{i}"));
            assert_eq!(a.status, 200, "{name} {i}");
            assert_eq!(
                a.body,
                f.tar_spec.jpeg(i),
                "{name} {i}: the dataset's bytes"
            );
        }
        let expected = if missing.is_empty() { 200 } else { 404 };
        assert_eq!(
            s.get(&format!("/img/{}", f.absent)).status,
            expected,
            "{name}"
        );
    }
}
