//! The team, the catalog, and a month of appointments around today.

use chrono::{Duration, NaiveTime, Utc};
use proto::v1::{
    Address, AssignAppointmentRequest, CancelAppointmentRequest, CompleteAppointmentRequest,
    CreateAppointmentRequest, CreateServiceItemRequest, CreateTeamMemberRequest,
    StartAppointmentRequest, appointments_service_server::AppointmentsService,
    service_catalog_service_server::ServiceCatalogService,
    team_members_service_server::TeamMembersService,
};
use services::Platform;
use storage::OrgId;

use super::{Dice, SeedSize, Seeded, failed, request};

const TEAM: &[(&str, &str, bool)] = &[
    ("Tess Alvarez", "technician", true),
    ("Hal Brennan", "technician", true),
    ("Priya Nair", "technician", true),
    ("Marcus Webb", "technician", true),
    ("Lena Kowalski", "lead technician", true),
    ("Sam Okoye", "apprentice", true),
    ("Dana Fischer", "dispatcher", true),
    ("Rita Moreno", "technician", false),
];

/// (name, description, price in cents, minutes, bookable online)
const CATALOG: &[(&str, &str, i64, u32, bool)] = &[
    (
        "AC tune-up",
        "Seasonal cleaning and check of a central air system",
        12_900,
        90,
        true,
    ),
    (
        "Furnace repair",
        "Diagnosis and repair, first hour",
        14_900,
        60,
        false,
    ),
    (
        "Drain cleaning",
        "Kitchen or bathroom drain, up to 50 ft",
        18_900,
        60,
        true,
    ),
    (
        "Water heater flush",
        "Sediment flush and anode check",
        9_900,
        45,
        true,
    ),
    (
        "Electrical panel inspection",
        "Panel, breakers and grounding",
        14_900,
        60,
        true,
    ),
    (
        "Gutter cleaning",
        "Single-story home, up to 150 ft",
        11_900,
        90,
        true,
    ),
    ("Duct cleaning", "Whole-home air ducts", 34_900, 180, false),
    (
        "Window washing",
        "Exterior, up to 20 panes",
        8_900,
        60,
        true,
    ),
    (
        "Emergency call-out",
        "After-hours visit fee",
        9_900,
        30,
        false,
    ),
    (
        "Thermostat installation",
        "Smart thermostat, customer-supplied",
        7_900,
        45,
        true,
    ),
];

fn ts(t: chrono::DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

pub(super) async fn seed(
    platform: &Platform,
    org: &OrgId,
    size: SeedSize,
    dice: &mut Dice,
    seeded: &mut Seeded,
) -> anyhow::Result<()> {
    let team = platform.team_members();
    let mut active = Vec::new();
    for (name, role, is_active) in TEAM {
        let email = format!(
            "{}@fieldcrew.example.com",
            name.split(' ').next().unwrap_or("crew").to_lowercase()
        );
        let member = CreateTeamMemberRequest {
            name: (*name).to_owned(),
            email,
            role: (*role).to_owned(),
            active: Some(*is_active),
        };
        let id = team
            .create_team_member(request(member, org))
            .await
            .map_err(failed("a team member"))?
            .into_inner()
            .id;
        if *is_active && *role != "dispatcher" {
            active.push(id.clone());
        }
        seeded.team_members.push(id);
    }

    let catalog = platform.catalog();
    for (name, description, price, minutes, bookable) in CATALOG {
        let item = CreateServiceItemRequest {
            name: (*name).to_owned(),
            description: (*description).to_owned(),
            price: *price,
            currency: "usd".to_owned(),
            duration_minutes: *minutes,
            online_bookable: *bookable,
            active: Some(true),
        };
        let id = catalog
            .create_service_item(request(item, org))
            .await
            .map_err(failed("a service"))?
            .into_inner()
            .id;
        seeded.services.push((id, *price));
    }

    // Spread over the 14 days before and after today, on working hours.
    let appointments = platform.appointments();
    let today = Utc::now().date_naive();
    for i in 0..size.appointments {
        let day = today + Duration::days(i64::try_from(dice.below(29)).unwrap_or(0) - 14);
        let hour = 8 + u32::try_from(dice.below(8)).unwrap_or(0);
        let start = day
            .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
            .and_utc();
        let (service, _) = dice.pick(&seeded.services).clone();
        let customer = dice.pick(&seeded.customers).clone();
        let crew: Vec<String> = (0..1 + dice.below(2))
            .map(|_| dice.pick(&active).clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let create = CreateAppointmentRequest {
            customer_id: customer,
            service_ids: vec![service],
            scheduled_start: Some(ts(start)),
            scheduled_end: Some(ts(start + Duration::minutes(90))),
            assigned_team_member_ids: Vec::new(),
            address: Some(Address {
                line1: format!("{} Oak St", 100 + i),
                city: "Austin".to_owned(),
                region: "TX".to_owned(),
                postal_code: "78701".to_owned(),
                country: "US".to_owned(),
                ..Default::default()
            }),
            notes: if i % 4 == 0 {
                "Call on arrival".to_owned()
            } else {
                String::new()
            },
        };
        let id = appointments
            .create_appointment(request(create, org))
            .await
            .map_err(failed("an appointment"))?
            .into_inner()
            .id;
        let assign = AssignAppointmentRequest {
            id: id.clone(),
            team_member_ids: crew,
        };
        appointments
            .assign_appointment(request(assign, org))
            .await
            .map_err(failed("an assignment"))?;
        // The past is done (or was canceled), today is under way, the future is booked.
        let roll = dice.below(10);
        if day < today && roll < 8 || day == today && roll < 5 {
            appointments
                .start_appointment(request(StartAppointmentRequest { id: id.clone() }, org))
                .await
                .map_err(failed("a start"))?;
            if day < today {
                let done = CompleteAppointmentRequest { id: id.clone() };
                appointments
                    .complete_appointment(request(done, org))
                    .await
                    .map_err(failed("a completion"))?;
            }
        } else if roll == 9 {
            let cancel = CancelAppointmentRequest { id: id.clone() };
            appointments
                .cancel_appointment(request(cancel, org))
                .await
                .map_err(failed("a cancellation"))?;
        }
        seeded.appointments += 1;
    }
    Ok(())
}
