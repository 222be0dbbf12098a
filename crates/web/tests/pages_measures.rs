//! Measurement pages on both backends: the entry form, the chart's flags,
//! measure cards and trajectory charts, acknowledgements, notifications and
//! the registry with its CSV export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use axum::http::StatusCode;
use tandem_app::Caller;
use tandem_core::ids::PatientId;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;

impl Env {
    async fn stored(&self, by: &Caller, p: PatientId) -> usize {
        self.app.patient_responses(by, p, None).await.unwrap().len()
    }

    /// Enters a PHQ-9 through the form; `items` are the answers to 1-9.
    async fn enter_phq9_form(&self, cookie: &str, p: PatientId, items: [u8; 9], at: &str) -> Resp {
        let csrf = self.csrf(cookie).await;
        self.post(
            &format!("/patients/{p}/measures/phq9"),
            cookie,
            phq9_form(&csrf, &items.map(Some), at),
        )
        .await
    }
}

fn phq9_form(csrf: &str, items: &[Option<u8>; 9], at: &str) -> String {
    let mut f = format!("csrf={csrf}&authored={}", at.replace(':', "%3A"));
    for (i, a) in items.iter().enumerate() {
        if let Some(a) = a {
            f.push_str(&format!("&i_{}={a}", i + 1));
        }
    }
    f
}

/// The rows of the table with this id, as text between `<tr>` tags.
fn rows<'a>(body: &'a str, table: &str) -> Vec<&'a str> {
    let start = body
        .find(&format!("id=\"{table}\""))
        .unwrap_or_else(|| panic!("no table#{table}"));
    let rest = &body[start..];
    let end = rest.find("</table>").unwrap();
    let tbody = &rest[rest.find("<tbody>").unwrap()..end];
    tbody.split("<tr").skip(1).collect()
}

/// A PHQ-9 entered in the form is stored, and the chart shows its total,
/// band, the red "Suicide risk" flag for a positive item 9, and a
/// trajectory chart with the instrument's bands.
async fn entering_a_phq9(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;

    let form = e.get(&format!("/patients/{p}/measures/phq9"), &c).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains("Little interest or pleasure in doing things")
    );
    assert!(
        form.body
            .contains("name=\"i_9\" value=\"3\" data-score=\"3\"")
    );
    assert!(form.body.contains("Nearly every day"));
    // The live band comes from the instrument file, not from the script.
    assert!(
        form.body
            .contains("data-min=\"10\" data-max=\"14\" data-label=\"Moderate\"")
    );
    assert!(
        form.body
            .contains("data-critical-item=\"9\" data-critical-min=\"1\"")
    );
    assert!(form.body.contains("<script src=\"/static/measure.js\""));
    assert!(
        form.body.contains("value=\"2026-11-22T09:00\""),
        "answered at defaults to now"
    );
    let js = e.get("/static/measure.js", "").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.header("content-type").starts_with("text/javascript"));
    assert!(
        form.header("content-security-policy")
            .contains("script-src 'self'")
    );

    let r = e
        .enter_phq9_form(&c, p, [2, 2, 2, 1, 1, 1, 1, 1, 1], "2026-11-22T08:30")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), format!("/patients/{p}?saved=phq9"));
    let stored = e.app.patient_responses(&dr, p, Some("phq9")).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].total, Some(12));
    assert_eq!(stored[0].authored, datetime!(2026-11-22 08:30 UTC));
    assert_eq!(stored[0].source, "chart");

    let chart = e.get(&r.header("location"), &c).await;
    assert_eq!(chart.status, StatusCode::OK);
    let b = &chart.body;
    assert!(
        b.contains("PHQ-9 recorded: <strong>12 · Moderate</strong>"),
        "{b}"
    );
    assert!(b.contains("<span class=\"score sev-moderate\">12</span>"));
    assert!(b.contains("<span class=\"band-chip sev-moderate\">Moderate</span>"));
    assert!(b.contains("class=\"flag danger\""));
    assert!(b.contains(">Suicide risk</a>"), "the header badge");
    assert!(b.contains("<svg class=\"trajectory\""));
    assert!(b.contains("role=\"img\""));
    for sev in ["none", "mild", "moderate", "moderately_severe", "severe"] {
        assert!(
            b.contains(&format!("class=\"band sev-{sev}\"")),
            "band {sev}"
        );
    }
    assert!(b.contains("<title>2026-11-22: 12 (Moderate)</title>"));
    assert!(b.contains("Target &lt; 5"), "the remission line");
    // Item-level answers on demand.
    assert!(b.contains("Thoughts that you would be better off dead"));
    assert!(b.contains("<strong>Several days</strong>"));
    // The menu offers every instrument of the library, and each one's form
    // opens with every item and its answers.
    for i in e.app.instruments().all() {
        assert!(
            b.contains(&format!("/patients/{p}/measures/{}\"", i.id)),
            "{}",
            i.id
        );
        let f = e.get(&format!("/patients/{p}/measures/{}", i.id), &c).await;
        assert_eq!(f.status, StatusCode::OK, "{}", i.id);
        for it in &i.items {
            assert!(
                f.body.contains(&format!("id=\"item-{}\"", it.id)),
                "{} {}",
                i.id,
                it.id
            );
        }
    }

    // The form shows the last result next time.
    let again = e.get(&format!("/patients/{p}/measures/phq9"), &c).await;
    assert!(
        again
            .body
            .contains("Last time: <strong>12 · Moderate on 2026-11-22</strong>")
    );

    // A second, better PHQ-9 shows the change since baseline.
    let r = e
        .enter_phq9_form(&c, p, [1, 1, 1, 1, 1, 0, 0, 0, 0], "2026-11-22T08:50")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let chart = e.get(&format!("/patients/{p}"), &c).await;
    assert!(
        chart
            .body
            .contains("<span class=\"change better\">−7</span>"),
        "{}",
        chart.body
    );
    assert!(chart.body.contains("<polyline"));
    assert!(
        !chart.body.contains(">Suicide risk</a>"),
        "item 9 back to 0 clears the flag"
    );

    // The future is refused by the app, with the form kept.
    let csrf = e.csrf(&c).await;
    let r = e
        .post(
            &format!("/patients/{p}/measures/phq9"),
            &c,
            phq9_form(&csrf, &[Some(1); 9], "2026-11-23T09:00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("The time answered is in the future."),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"2026-11-23T09:00\""));
    assert_eq!(e.stored(&dr, p).await, 2);

    // A GAD-7 gets its own card; an unknown instrument is not found.
    let csrf = e.csrf(&c).await;
    let gad: String = (1..=7).map(|i| format!("&i_{i}=1")).collect();
    let r = e
        .post(
            &format!("/patients/{p}/measures/gad7"),
            &c,
            format!("csrf={csrf}&authored={gad}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let chart = e.get(&format!("/patients/{p}"), &c).await;
    assert!(chart.body.contains("id=\"measure-gad7\""));
    assert!(chart.body.contains("id=\"measure-phq9\""));
    assert_eq!(
        e.get(&format!("/patients/{p}/measures/nope"), &c)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Missing items, answers to skipped items and a missing form token are
/// refused with nothing stored; the answers given are kept.
async fn bad_forms_store_nothing(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let csrf = e.csrf(&c).await;

    let mut items = [Some(2u8); 9];
    items[2] = None;
    let r = e
        .post(
            &format!("/patients/{p}/measures/phq9"),
            &c,
            phq9_form(&csrf, &items, "2026-11-22T08:30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Item 3: Not answered."), "{}", r.body);
    assert!(r.body.contains("<a href=\"#item-3\">"));
    // The message sits in item 3's fieldset.
    let item3 = &r.body[r.body.find("id=\"item-3\"").unwrap()..];
    let item3 = &item3[..item3.find("</fieldset>").unwrap()];
    assert!(item3.contains("class=\"field-error\""));
    assert!(item3.contains("Not answered."));
    // Every other answer is still chosen.
    assert!(
        r.body
            .contains("name=\"i_1\" value=\"2\" data-score=\"2\" data-key=\"2\" checked")
    );
    assert!(!item3.contains(" checked"));
    assert!(r.body.contains("value=\"2026-11-22T08:30\""));
    assert_eq!(e.stored(&dr, p).await, 0);

    // C-SSRS: item 3 is asked only when item 2 is Yes.
    let r = e
        .post(
            &format!("/patients/{p}/measures/cssrs"),
            &c,
            format!("csrf={csrf}&authored=&i_1=yes&i_2=no&i_3=yes&i_6=no"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Item 3: This item is only asked when item 2 is “Yes”"),
        "{}",
        r.body
    );
    assert_eq!(e.stored(&dr, p).await, 0);
    // The C-SSRS form says when items are asked, offers "Not asked", and
    // shows its licence terms.
    let form = e.get(&format!("/patients/{p}/measures/cssrs"), &c).await;
    assert!(
        form.body
            .contains("data-enable-item=\"2\" data-enable-code=\"yes\"")
    );
    assert!(form.body.contains("Asked when item 2 is “Yes”."));
    assert!(form.body.contains("Not asked"));
    assert!(form.body.contains("class=\"licence note\""));
    assert!(form.body.contains("Columbia"));
    assert!(form.body.contains("data-any=\"4=yes 5=yes 6b=yes\""));

    // An unreadable time is refused before anything happens.
    let r = e
        .post(
            &format!("/patients/{p}/measures/phq9"),
            &c,
            phq9_form(&csrf, &[Some(0); 9], "22/11/2026"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("YYYY-MM-DD HH:MM"));

    // No form token, or another session's: refused.
    for token in ["", "not-the-token"] {
        let r = e
            .post(
                &format!("/patients/{p}/measures/phq9"),
                &c,
                phq9_form(token, &[Some(1); 9], "2026-11-22T08:30"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "token {token:?}");
    }
    assert_eq!(e.stored(&dr, p).await, 0);
}

/// Front desk sees demographics only: no entry form, no measures, no
/// registry, no notifications.
async fn front_desk_cannot_enter_measures(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    e.user("desk", Role::FrontDesk).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("desk").await;
    let r = e.get(&format!("/patients/{p}/measures/phq9"), &c).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csrf = e.csrf(&c).await;
    let r = e
        .post(
            &format!("/patients/{p}/measures/phq9"),
            &c,
            phq9_form(&csrf, &[Some(1); 9], "2026-11-22T08:30"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(e.stored(&dr, p).await, 0);
    let chart = e.get(&format!("/patients/{p}"), &c).await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(!chart.body.contains("id=\"measures-h\""));
    assert!(!chart.body.contains("href=\"/registry\""));
    assert_eq!(e.get("/registry", &c).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        e.get("/registry.csv", &c).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.get("/notifications", &c).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Acknowledging a safety flag needs a note; the acknowledgement is shown
/// with who and when, and the flag stays.
async fn acknowledging_a_flag(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[&t]).await;
    let c = e.login("dr_lee").await;
    let r = e
        .enter_phq9_form(&c, p, [1, 1, 1, 1, 1, 1, 1, 1, 2], "2026-11-22T08:30")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let chart = e.app.open_chart(&dr, p).await.unwrap();
    let flag = chart.measures.active_flags[0].id;
    let page = e.get(&format!("/patients/{p}"), &c).await;
    assert!(page.body.contains("Not acknowledged yet."));
    assert!(
        page.body
            .contains(&format!("/patients/{p}/flags/{flag}/acknowledge"))
    );

    let tc = e.login("t_kim").await;
    let csrf = e.csrf(&tc).await;
    let ack = format!("/patients/{p}/flags/{flag}/acknowledge");
    let r = e.post(&ack, &tc, format!("csrf={csrf}&note=")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("class=\"field-error\" id=\"note-err-"),
        "{}",
        r.body
    );
    assert!(r.body.contains("at least 3 characters"));
    let r = e.post(&ack, &tc, "note=Called%2C+safe".into()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no form token");
    assert!(
        e.app
            .open_chart(&dr, p)
            .await
            .unwrap()
            .measures
            .acknowledgements
            .is_empty()
    );

    let r = e
        .post(
            &ack,
            &tc,
            format!("csrf={csrf}&note=Safety+plan+reviewed+by+phone"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&format!("/patients/{p}"), &c).await;
    assert!(page.body.contains("Safety plan reviewed by phone"));
    assert!(
        page.body
            .contains("<strong>t_kim name</strong> <span class=\"muted\">2026-11-22 09:00</span>")
    );
    assert!(page.body.contains(">Suicide risk</a>"), "the flag stays");
    assert!(!page.body.contains("Not acknowledged yet."));
    let chart = e.app.open_chart(&dr, p).await.unwrap();
    assert_eq!(chart.measures.active_flags.len(), 1);
}

/// Every care-team member is told of a safety flag: the badge counts it and
/// the notifications page lists it until they acknowledge it.
async fn notifications_reach_the_team(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let n = e.user("n_park", Role::Nurse).await;
    e.user("t_off", Role::Therapist).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[&t, &n]).await;
    let c = e.login("dr_lee").await;
    let r = e
        .enter_phq9_form(&c, p, [0, 0, 0, 0, 0, 0, 0, 0, 1], "2026-11-22T08:30")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for u in ["dr_lee", "t_kim", "n_park"] {
        let c = e.login(u).await;
        let home = e.get("/", &c).await;
        assert!(
            home.body.contains(
                "<span class=\"count-badge\">1<span class=\"visually-hidden\"> unread</span></span>"
            ),
            "{u}: {}",
            home.body
        );
        let list = e.get("/notifications", &c).await;
        assert_eq!(list.status, StatusCode::OK);
        let rows = rows(&list.body, "notifications");
        assert_eq!(rows.len(), 1, "{u}");
        assert!(rows[0].contains("Suicide risk"));
        assert!(rows[0].contains("Okafor, Grace"));
        assert!(rows[0].contains(&format!("href=\"/patients/{p}\"")));
        assert!(rows[0].contains("Not acknowledged"));
    }
    let off = e.login("t_off").await;
    assert!(!e.get("/", &off).await.body.contains("count-badge"));
    assert!(
        e.get("/notifications", &off)
            .await
            .body
            .contains("No safety flags for your patients.")
    );
    // The nurse acknowledges: her badge goes, the others' stays.
    let nc = e.login("n_park").await;
    let flag = e.app.open_chart(&n, p).await.unwrap().measures.active_flags[0].id;
    let csrf = e.csrf(&nc).await;
    e.post(
        &format!("/patients/{p}/flags/{flag}/acknowledge"),
        &nc,
        format!("csrf={csrf}&note=Seen+in+clinic"),
    )
    .await;
    assert!(!e.get("/", &nc).await.body.contains("count-badge"));
    assert!(e.get("/", &c).await.body.contains("count-badge"));
    let list = e.get("/notifications", &c).await;
    assert!(rows(&list.body, "notifications")[0].contains("badge ok\">Acknowledged"));
}

/// The caseload lists the clinician's patients with their scores, filters
/// by flag, sorts by column, pages, and exports CSV safe for spreadsheets;
/// care managers see the whole clinic and filter by clinician.
async fn registry_and_export(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    e.user("t_off", Role::Therapist).await;
    let cm = e.user("cm_jones", Role::CareManager).await;
    let a = e.patient(&dr, "Okafor", "Grace", &[&t]).await;
    let b = e.patient(&dr, "Rivera", "Ana", &[]).await;
    let x = e.patient(&dr, "=HYPERLINK(\"http://x\")", "Eve", &[]).await;
    let c = e.login("dr_lee").await;
    for (p, items) in [
        (a, [1, 1, 1, 1, 1, 1, 1, 1, 1]),
        (b, [3, 3, 3, 3, 3, 3, 1, 1, 0]),
        (x, [0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ] {
        let r = e.enter_phq9_form(&c, p, items, "2026-11-22T08:30").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }

    let home = e.get("/", &c).await;
    assert!(
        home.body.contains("<a href=\"/registry\""),
        "the nav links the registry"
    );
    let r = e.get("/registry", &c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<h1>My caseload</h1>"));
    assert!(
        !r.body.contains("id=\"r-clinician\""),
        "clinicians see their own caseload"
    );
    let all = rows(&r.body, "registry");
    assert_eq!(all.len(), 3);
    // Most urgent first: the suicide-risk flag leads.
    assert!(all[0].contains("Okafor, Grace"));
    assert!(all[0].contains("flag small danger\">Suicide risk"));
    assert!(all[0].contains("score-chip sev-mild"));
    assert!(all[0].contains(&format!("href=\"/patients/{a}\"")));
    assert!(decoded(&r.body).contains("=HYPERLINK(\"http://x\"), Eve"));

    let r = e.get("/registry?flag=suicide_risk", &c).await;
    let only = rows(&r.body, "registry");
    assert_eq!(only.len(), 1);
    assert!(only[0].contains("Okafor, Grace"));
    assert!(r.body.contains("<option value=\"suicide_risk\" selected>"));

    let names = |body: &str| -> Vec<String> {
        rows(body, "registry")
            .iter()
            .map(|r| {
                let s = &r[r.find("<a href=").unwrap()..];
                s[s.find('>').unwrap() + 1..s.find("</a>").unwrap()].to_string()
            })
            .collect()
    };
    let desc = names(&e.get("/registry?sort=phq9&dir=desc", &c).await.body);
    assert!(desc[0].starts_with("Rivera"), "{desc:?}");
    assert!(desc[2].contains("HYPERLINK"), "{desc:?}");
    let r = e.get("/registry?sort=phq9&dir=asc", &c).await;
    let asc = names(&r.body);
    assert!(
        asc[0].contains("HYPERLINK") && asc[2].starts_with("Rivera"),
        "{asc:?}"
    );
    assert!(r.body.contains("aria-sort=\"ascending\""));
    assert!(
        decoded(&r.body).contains("href=\"/registry?sort=phq9&dir=desc\""),
        "clicking again reverses"
    );
    assert_eq!(
        e.get("/registry?flag=nonsense", &c).await.status,
        StatusCode::BAD_REQUEST
    );

    // CSV: every row, a header, formulas neutralised.
    let csv = e.get("/registry.csv?sort=name&dir=asc", &c).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains("attachment"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 4, "{}", csv.body);
    assert!(lines[0].starts_with("MRN,Family name,Given names,PHQ-9,PHQ-9 change"));
    assert!(
        lines[1].contains(",\"'=HYPERLINK(\"\"http://x\"\")\",Eve,0,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(",Okafor,Grace,9,"));
    assert!(lines[2].ends_with(",Suicide risk"));
    assert!(lines[3].contains(",Rivera,Ana,20,0,severe,"));
    assert!(!csv.body.contains(",=HYPERLINK"));
    let filtered = e.get("/registry.csv?flag=suicide_risk", &c).await;
    assert_eq!(filtered.body.lines().count(), 2);
    // Each download is audited as an export, with its filters.
    let auditor = e.user("audit_ray", Role::Auditor).await;
    let log = e
        .app
        .audit_view(
            &auditor,
            &tandem_app::AuditFilter {
                action_prefix: Some("registry.export".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let details: Vec<String> = log
        .entries
        .iter()
        .map(|x| x.record.detail.clone().unwrap_or_default())
        .collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(details[0].contains("flag=suicide_risk"), "{details:?}");

    // A therapist sees only the patients whose team they are on.
    let tc = e.login("t_kim").await;
    let r = e.get("/registry", &tc).await;
    let mine = rows(&r.body, "registry");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].contains("Okafor, Grace"));
    let off = e.login("t_off").await;
    let r = e.get("/registry", &off).await;
    assert!(!r.body.contains("Okafor"));
    assert!(!r.body.contains("id=\"registry\""));
    assert!(!e.get("/registry.csv", &off).await.body.contains("Okafor"));

    // The care manager sees the clinic and can narrow it to one clinician.
    let cmc = e.login("cm_jones").await;
    let r = e.get("/registry", &cmc).await;
    assert!(r.body.contains("<h1>Clinic registry</h1>"));
    assert_eq!(rows(&r.body, "registry").len(), 3);
    assert!(r.body.contains("id=\"r-clinician\""));
    assert!(r.body.contains(&format!(
        "<option value=\"{}\">t_kim name</option>",
        t.actor.user_id
    )));
    let r = e
        .get(&format!("/registry?clinician={}", t.actor.user_id), &cmc)
        .await;
    let kims = rows(&r.body, "registry");
    assert_eq!(kims.len(), 1);
    assert!(kims[0].contains("Okafor, Grace"));
    assert!(
        e.get(&format!("/registry?clinician={}", cm.actor.user_id), &cmc)
            .await
            .body
            .contains("No patient matches these filters.")
    );

    // Paging keeps the filters and the sort.
    for i in 0..48 {
        let p = e.patient(&dr, &format!("Zed{i:02}"), "Pat", &[]).await;
        let r = e.enter_phq9_form(&c, p, [0; 9], "2026-11-22T08:30").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let r = e.get("/registry?sort=name&dir=asc", &c).await;
    assert_eq!(rows(&r.body, "registry").len(), 50);
    assert!(r.body.contains("51 patients · showing 1–50"));
    assert!(decoded(&r.body).contains("/registry?sort=name&dir=asc&offset=50"));
    let r = e.get("/registry?sort=name&dir=asc&offset=50", &c).await;
    assert_eq!(rows(&r.body, "registry").len(), 1);
    assert_eq!(e.get("/registry.csv", &c).await.body.lines().count(), 52);
}

both_backends! {
    phq9_entry => entering_a_phq9;
    bad_forms => bad_forms_store_nothing;
    front_desk => front_desk_cannot_enter_measures;
    acknowledgement => acknowledging_a_flag;
    notifications => notifications_reach_the_team;
    registry => registry_and_export;
}
