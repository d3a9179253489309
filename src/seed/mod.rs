//! Realistic field-service data for sandbox organizations (`asteri seed`, `asteri dev`).
//! Everything goes through the services, so seeded data is validated and audited like any
//! other write.

mod billing;
mod operations;

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

/// How much to seed.
#[derive(Clone, Copy, Debug)]
pub struct SeedSize {
    pub customers: usize,
    pub appointments: usize,
    pub estimates: usize,
    pub invoices: usize,
}

impl Default for SeedSize {
    /// A realistic small shop: a few hundred customers and a month of work.
    fn default() -> Self {
        Self {
            customers: 300,
            appointments: 120,
            estimates: 40,
            invoices: 40,
        }
    }
}

/// What was seeded (ids), for callers that want to show or check it.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub customers: Vec<String>,
    pub team_members: Vec<String>,
    pub services: Vec<(String, i64)>,
    pub appointments: usize,
    pub estimates: usize,
    pub invoices: usize,
    pub payments: usize,
}

/// A small deterministic generator (xorshift64*): the same seed data on every run.
pub(crate) struct Dice(u64);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n
    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(crate) fn request<T>(message: T, org: &OrgId) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .extensions_mut()
        .insert(RequestContext::operator(Some(org.clone())));
    request
}

pub(crate) fn failed(what: &str) -> impl Fn(tonic::Status) -> anyhow::Error + '_ {
    move |s| anyhow::anyhow!("seeding {what}: {}", s.message())
}

/// Seeds `count` customers into `org`; returns their ids.
pub async fn seed_customers(
    platform: &Platform,
    org: &OrgId,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let customers = platform.customers();
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let created = customers
            .create_customer(request(customer(i), org))
            .await
            .map_err(failed("a customer"))?;
        ids.push(created.into_inner().id);
    }
    Ok(ids)
}

/// A realistic field-service organization: customers, a team, a catalog, a month of
/// appointments around today, estimates in every state, invoices in every state with
/// payments (some refunded) that add up. Everything goes through the services.
pub async fn seed(platform: &Platform, org: &OrgId, size: SeedSize) -> anyhow::Result<Seeded> {
    let mut dice = Dice::new(0x5eed_a57e);
    let mut seeded = Seeded {
        customers: seed_customers(platform, org, size.customers).await?,
        ..Seeded::default()
    };
    operations::seed(platform, org, size, &mut dice, &mut seeded).await?;
    billing::seed(platform, org, size, &mut dice, &mut seeded).await?;
    Ok(seeded)
}
