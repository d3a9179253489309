//! Realistic field-service data for sandbox organizations (`asteri seed`, `asteri dev`).
//! Everything goes through the services, so seeded data is validated and audited like any
//! other write.

use proto::v1::{Address, CreateCustomerRequest, customers_service_server::CustomersService};
use services::{Platform, auth::RequestContext};
use storage::OrgId;

const FIRST: &[&str] = &[
    "Maria", "James", "Aisha", "Wei", "Carlos", "Priya", "Ethan", "Olivia", "Mateo", "Grace",
    "Noah", "Fatima", "Liam", "Sofia", "Hiro", "Chloe", "Andre", "Leah", "Omar", "Hannah",
];
const LAST: &[&str] = &[
    "Garcia", "Thompson", "Okafor", "Chen", "Rivera", "Patel", "Miller", "Johnson", "Lopez", "Kim",
    "Nguyen", "Hassan", "Walker", "Rossi", "Tanaka", "Dubois", "Brooks", "Cohen", "Haddad",
    "Schmidt",
];
const COMPANIES: &[&str] = &[
    "",
    "",
    "Riverside Property Management",
    "Oakwood Dental",
    "Summit Apartments",
    "Bluebird Cafe",
    "Harbor View HOA",
    "Maple Street Bakery",
    "",
    "Northside Fitness",
];
const STREETS: &[&str] = &[
    "Oak St",
    "Maple Ave",
    "Cedar Ln",
    "Elm Dr",
    "Pine Rd",
    "Lakeview Blvd",
    "Sunset Way",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "787"),
    ("Denver", "CO", "802"),
    ("Portland", "OR", "972"),
    ("Raleigh", "NC", "276"),
    ("Phoenix", "AZ", "850"),
];
const TAGS: &[&str] = &[
    "residential",
    "commercial",
    "vip",
    "maintenance-plan",
    "new",
    "referral",
];

/// The `i`-th seeded customer: varied, deterministic, valid.
pub fn customer(i: usize) -> CreateCustomerRequest {
    let (first, last) = (
        FIRST[i % FIRST.len()],
        LAST[(i * 7 + i / FIRST.len()) % LAST.len()],
    );
    let (city, region, zip) = CITIES[i % CITIES.len()];
    let company = COMPANIES[i % COMPANIES.len()];
    let mut tags = vec![TAGS[i % 2].to_owned()];
    if i.is_multiple_of(5) {
        tags.push(TAGS[2 + (i / 5) % (TAGS.len() - 2)].to_owned());
    }
    CreateCustomerRequest {
        name: format!("{first} {last}"),
        company: company.to_owned(),
        emails: vec![format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            i
        )],
        phones: vec![format!("+1 512 555 {:04}", (i * 37) % 10_000)],
        addresses: vec![Address {
            line1: format!("{} {}", 100 + (i * 13) % 9_800, STREETS[i % STREETS.len()]),
            line2: if i.is_multiple_of(4) {
                format!("Unit {}", 1 + i % 30)
            } else {
                String::new()
            },
            city: city.to_owned(),
            region: region.to_owned(),
            postal_code: format!("{zip}{:02}", i % 100),
            country: "US".to_owned(),
        }],
        tags,
        notes: if i.is_multiple_of(3) {
            "Prefers morning appointments; gate code at the side door.".to_owned()
        } else {
            String::new()
        },
    }
}

/// Seeds `count` customers into `org`.
pub async fn seed(platform: &Platform, org: &OrgId, count: usize) -> anyhow::Result<()> {
    let customers = platform.customers();
    for i in 0..count {
        let mut request = tonic::Request::new(customer(i));
        request
            .extensions_mut()
            .insert(RequestContext::operator(Some(org.clone())));
        customers
            .create_customer(request)
            .await
            .map_err(|s| anyhow::anyhow!("seeding a customer: {}", s.message()))?;
    }
    Ok(())
}
