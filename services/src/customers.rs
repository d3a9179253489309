//! Customers: `asteri.v1.CustomersService`.

use proto::v1::{
    Address, CreateCustomerRequest, Customer, DeleteCustomerRequest, GetCustomerRequest,
    ListCustomerActivityRequest, ListCustomerActivityResponse, ListCustomersRequest,
    ListCustomersResponse, UpdateCustomerRequest, customers_service_server::CustomersService,
};
use storage::{
    AddressRecord, Store,
    customers::{self as repo, CustomerFilter, CustomerPatch, ID_PREFIX, NewCustomer},
};
use tonic::{Request, Response, Status};

use crate::{
    activity,
    auth::context,
    convert::{Check, from_timestamp, next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
};

const RESOURCE: &str = "customer";
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
fn check_fields(v: &mut Violations, present: &dyn Fn(&str) -> bool, c: &CreateCustomerRequest) {
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
        for (i, e) in c.emails.iter().enumerate() {
            check.email(&format!("emails[{i}]"), e.trim());
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

impl Customers {
    async fn create(&self, r: Request<CreateCustomerRequest>) -> ServiceResult<Customer> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        check_fields(&mut v, &|_| true, &req);
        v.into_result()?;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let created = repo::insert(
            &w,
            NewCustomer {
                name: req.name.trim().to_owned(),
                company: req.company.trim().to_owned(),
                emails: trimmed(req.emails),
                phones: trimmed(req.phones),
                addresses: req.addresses.into_iter().map(address_record).collect(),
                tags: trimmed(req.tags),
                notes: req.notes,
            },
        )
        .await?;
        let message = customer_message(&created);
        record(
            &mut w,
            "customer.create",
            RESOURCE,
            &created.id,
            None,
            Some(&message),
            Some("customer.created"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn update(&self, r: Request<UpdateCustomerRequest>) -> ServiceResult<Customer> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        for p in &paths {
            if !UPDATABLE.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        let fields = CreateCustomerRequest {
            name: req.name,
            company: req.company,
            emails: req.emails,
            phones: req.phones,
            addresses: req.addresses,
            tags: req.tags,
            notes: req.notes,
        };
        let present = |f: &str| paths.iter().any(|p| p == f);
        check_fields(&mut v, &present, &fields);
        v.into_result()?;
        let org = ctx.org()?.clone();
        if paths.is_empty() {
            // Nothing to change: answer with the current object, as a no-op PATCH should.
            let current = repo::get(&self.store, &org, &req.id).await?;
            return current
                .map(|c| customer_message(&c))
                .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id));
        }
        let patch = CustomerPatch {
            name: present("name").then(|| fields.name.trim().to_owned()),
            company: present("company").then(|| fields.company.trim().to_owned()),
            emails: present("emails").then(|| trimmed(fields.emails.clone())),
            phones: present("phones").then(|| trimmed(fields.phones.clone())),
            addresses: present("addresses").then(|| {
                fields
                    .addresses
                    .iter()
                    .cloned()
                    .map(address_record)
                    .collect()
            }),
            tags: present("tags").then(|| trimmed(fields.tags.clone())),
            notes: present("notes").then(|| fields.notes.clone()),
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let (before, after) = repo::update(&w, &req.id, patch)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let message = customer_message(&after);
        let before = customer_message(&before);
        record(
            &mut w,
            "customer.update",
            RESOURCE,
            &req.id,
            Some(&before),
            Some(&message),
            Some("customer.updated"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn delete(&self, r: Request<DeleteCustomerRequest>) -> ServiceResult<()> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let deleted = repo::delete(&w, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        let before = customer_message(&deleted);
        record(
            &mut w,
            "customer.delete",
            RESOURCE,
            &id,
            Some(&before),
            None,
            Some("customer.deleted"),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

#[tonic::async_trait]
impl CustomersService for Customers {
    async fn create_customer(
        &self,
        r: Request<CreateCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_customer(
        &self,
        r: Request<GetCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let found = repo::get(&self.store, ctx.org()?, id)
            .await
            .map_err(ServiceError::from)?;
        let customer = found.ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        Ok(Response::new(customer_message(&customer)))
    }

    async fn list_customers(
        &self,
        r: Request<ListCustomersRequest>,
    ) -> Result<Response<ListCustomersResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ID_PREFIX)?;
        let filter = CustomerFilter {
            updated_since: from_timestamp("updated_since", req.updated_since)?,
        };
        let page = repo::list(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListCustomersResponse {
            next_cursor: next_cursor(&page, |c| &c.id),
            has_more: page.has_more,
            data: page.items.iter().map(customer_message).collect(),
        }))
    }

    async fn update_customer(
        &self,
        r: Request<UpdateCustomerRequest>,
    ) -> Result<Response<Customer>, Status> {
        Ok(Response::new(self.update(r).await?))
    }

    async fn delete_customer(
        &self,
        r: Request<DeleteCustomerRequest>,
    ) -> Result<Response<()>, Status> {
        self.delete(r).await?;
        Ok(Response::new(()))
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
        if repo::get(&self.store, ctx.org()?, &req.id)
            .await
            .map_err(ServiceError::from)?
            .is_none()
        {
            return Err(ServiceError::not_found(RESOURCE, &req.id).into());
        }
        let (data, has_more, next_cursor) =
            activity::page(&self.store, ctx.org()?, &req.id, &query).await?;
        Ok(Response::new(ListCustomerActivityResponse {
            data,
            has_more,
            next_cursor,
        }))
    }
}
