//! Customers: `asteri.v1.CustomersService`.

use proto::v1::{
    Address, CreateCustomerRequest, Customer, DeleteCustomerRequest, GetCustomerRequest,
    ListCustomerActivityRequest, ListCustomerActivityResponse, ListCustomersRequest,
    ListCustomersResponse, UpdateCustomerRequest, customers_service_server::CustomersService,
};
use std::mem::take;

use storage::{
    AddressList, AddressRecord, Store, StringList, Write,
    customers::{self as repo, CustomerFilter, ID_PREFIX},
    ids::new_id,
};
use tonic::{Request, Response, Status};

use crate::{
    activity,
    auth::context,
    convert::{Check, from_timestamp, page_query, timestamp},
    error::{ServiceResult, Violations},
    resource::{self, Mask, Patch, Resource},
};

const UPDATABLE: &[&str] = &[
    "name",
    "company",
    "emails",
    "phones",
    "addresses",
    "tags",
    "notes",
];

#[derive(Clone)]
pub struct Customers {
    store: Store,
}

impl Customers {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn customer_message(c: &repo::Customer) -> Customer {
    Customer {
        id: c.id.clone(),
        name: c.name.clone(),
        company: c.company.clone(),
        emails: c.emails.0.clone(),
        phones: c.phones.0.clone(),
        addresses: c.addresses.0.iter().map(address_message).collect(),
        tags: c.tags.0.clone(),
        notes: c.notes.clone(),
        created_at: Some(timestamp(c.created_at)),
        updated_at: Some(timestamp(c.updated_at)),
    }
}

pub(crate) fn address_message(a: &AddressRecord) -> Address {
    Address {
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        city: a.city.clone(),
        region: a.region.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country.clone(),
    }
}

pub(crate) fn address_record(a: Address) -> AddressRecord {
    AddressRecord {
        line1: a.line1.trim().to_owned(),
        line2: a.line2.trim().to_owned(),
        city: a.city.trim().to_owned(),
        region: a.region.trim().to_owned(),
        postal_code: a.postal_code.trim().to_owned(),
        country: a.country.trim().to_ascii_uppercase(),
    }
}

fn trimmed(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|s| s.trim().to_owned()).collect()
}

/// Field rules shared by create and update; `present` says which fields the request sets.
/// Emails are normalised in place ([`Check::email`]).
fn check_fields(v: &mut Violations, present: &dyn Fn(&str) -> bool, c: &mut CreateCustomerRequest) {
    let mut check = Check(v);
    if present("name") {
        check.required("name", &c.name);
        check.text("name", &c.name, 200);
    }
    if present("company") {
        check.text("company", &c.company, 200);
    }
    if present("notes") {
        check.text("notes", &c.notes, 10_000);
    }
    if present("emails") {
        check.max_items("emails", &c.emails, 20);
        for (i, e) in c.emails.iter_mut().enumerate() {
            check.email(&format!("emails[{i}]"), e);
        }
    }
    if present("phones") {
        check.max_items("phones", &c.phones, 20);
        for (i, p) in c.phones.iter().enumerate() {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let allowed = p
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
            if !allowed || !(3..=20).contains(&digits) {
                check.0.add(
                    format!("phones[{i}]"),
                    "must be a phone number of 3 to 20 digits",
                );
            }
        }
    }
    if present("tags") {
        check.max_items("tags", &c.tags, 50);
        for (i, t) in c.tags.iter().enumerate() {
            let f = format!("tags[{i}]");
            check.required(&f, t);
            check.text(&f, t, 64);
        }
    }
    if present("addresses") {
        check.max_items("addresses", &c.addresses, 10);
        for (i, a) in c.addresses.iter().enumerate() {
            check_address(&mut check, &format!("addresses[{i}]"), a);
        }
    }
}

/// Lengths and the country code of one address; fields are named `{prefix}.{field}`.
pub(crate) fn check_address(check: &mut Check<'_>, prefix: &str, a: &Address) {
    for (name, value) in [
        ("line1", &a.line1),
        ("line2", &a.line2),
        ("city", &a.city),
        ("region", &a.region),
        ("postal_code", &a.postal_code),
    ] {
        check.text(&format!("{prefix}.{name}"), value, 200);
    }
    let country = a.country.trim();
    let iso_alpha2 = country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic());
    if !country.is_empty() && !iso_alpha2 {
        check.0.add(
            format!("{prefix}.country"),
            "must be an ISO 3166-1 alpha-2 code such as US",
        );
    }
}

/// A new customer's record from checked fields (also what the benchmark seeds).
pub fn new_record(req: CreateCustomerRequest) -> repo::Customer {
    let now = storage::now();
    repo::Customer {
        id: new_id(ID_PREFIX),
        organization_id: String::new(),
        name: req.name.trim().to_owned(),
        company: req.company.trim().to_owned(),
        emails: StringList(trimmed(req.emails)),
        phones: StringList(trimmed(req.phones)),
        addresses: AddressList(req.addresses.into_iter().map(address_record).collect()),
        tags: StringList(trimmed(req.tags)),
        notes: req.notes,
        created_at: now,
        updated_at: now,
    }
}

impl Resource for Customers {
    type Record = repo::Customer;
    type Message = Customer;
    const NAME: &'static str = "customer";
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CREATED: Option<&'static str> = Some("customer.created");
    const UPDATED: Option<&'static str> = Some("customer.updated");
    const DELETED: Option<&'static str> = Some("customer.deleted");

    fn render(record: &repo::Customer) -> Customer {
        customer_message(record)
    }
}

impl Patch<Customers> for UpdateCustomerRequest {
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        let mut fields = CreateCustomerRequest {
            name: take(&mut self.name),
            company: take(&mut self.company),
            emails: take(&mut self.emails),
            phones: take(&mut self.phones),
            addresses: take(&mut self.addresses),
            tags: take(&mut self.tags),
            notes: take(&mut self.notes),
        };
        check_fields(v, &|f| mask.has(f), &mut fields);
        *self = UpdateCustomerRequest {
            id: take(&mut self.id),
            update_mask: None,
            name: fields.name,
            company: fields.company,
            emails: fields.emails,
            phones: fields.phones,
            addresses: fields.addresses,
            tags: fields.tags,
            notes: fields.notes,
        };
        Ok(())
    }

    async fn apply(self, _w: &Write, mask: &Mask, c: &mut repo::Customer) -> ServiceResult<()> {
        if mask.has("name") {
            c.name = self.name.trim().to_owned();
        }
        if mask.has("company") {
            c.company = self.company.trim().to_owned();
        }
        if mask.has("emails") {
            c.emails = StringList(trimmed(self.emails));
        }
        if mask.has("phones") {
            c.phones = StringList(trimmed(self.phones));
        }
        if mask.has("addresses") {
            c.addresses = AddressList(self.addresses.into_iter().map(address_record).collect());
        }
        if mask.has("tags") {
            c.tags = StringList(trimmed(self.tags));
        }
        if mask.has("notes") {
            c.notes = self.notes;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl CustomersService for Customers {
    async fn create_customer(
        &self,
        r: Request<CreateCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        let ctx = context(&r)?;
        let mut req = r.into_inner();
        let mut v = Violations::default();
        check_fields(&mut v, &|_| true, &mut req);
        v.into_result()?;
        let created = resource::create::<Self>(&self.store, &ctx, new_record(req)).await?;
        Ok(Response::new(created))
    }

    async fn get_customer(
        &self,
        r: Request<GetCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_customers(
        &self,
        r: Request<ListCustomersRequest>,
    ) -> Result<Response<ListCustomersResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let filter = CustomerFilter {
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn update_customer(
        &self,
        r: Request<UpdateCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_customer(
        &self,
        r: Request<DeleteCustomerRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    /// Every event about the customer's appointments, estimates, invoices and payments,
    /// newest first (see `activity`).
    async fn list_customer_activity(
        &self,
        r: Request<ListCustomerActivityRequest>,
    ) -> Result<Response<ListCustomerActivityResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, activity::CURSOR_PREFIX)?;
        // 404 for a customer that is not this organization's.
        resource::find::<Self>(&self.store, &ctx, &req.id).await?;
        let (data, has_more, next_cursor) =
            activity::page(&self.store, ctx.org()?, &req.id, &query).await?;
        Ok(Response::new(ListCustomerActivityResponse {
            data,
            has_more,
            next_cursor,
        }))
    }
}
