export interface paths {
    "/api/public/v1/app_installs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List app installs
         * @description Requires the scope `manage:apps`.
         */
        get: operations["ListAppInstalls"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/app_installs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete app install
         * @description Uninstalls: every token of the install stops working at once; `app.uninstalled`.
         *
         *     Requires the scope `manage:apps`.
         */
        delete: operations["DeleteAppInstall"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/appointments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List appointments
         * @description Requires the scope `read:appointments`.
         */
        get: operations["ListAppointments"];
        put?: never;
        /**
         * Create appointment
         * @description Requires the scope `write:appointments`.
         */
        post: operations["CreateAppointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/appointments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get appointment
         * @description Requires the scope `read:appointments`.
         */
        get: operations["GetAppointment"];
        put?: never;
        post?: never;
        /**
         * Delete appointment
         * @description Requires the scope `delete:appointments`.
         */
        delete: operations["DeleteAppointment"];
        options?: never;
        head?: never;
        /**
         * Update appointment
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway. The status moves only through the actions below.
         *
         *     Requires the scope `write:appointments`.
         */
        patch: operations["UpdateAppointment"];
        trace?: never;
    };
    "/api/public/v1/appointments/{id}/assign": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Assign appointment
         * @description Replaces the team members assigned to the appointment.
         *
         *     Requires the scope `write:appointments`.
         */
        post: operations["AssignAppointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/appointments/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel appointment
         * @description scheduled or in_progress -> canceled. Sets `canceled_at`.
         *
         *     Requires the scope `write:appointments`.
         */
        post: operations["CancelAppointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/appointments/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete appointment
         * @description in_progress -> completed. Sets `completed_at`.
         *
         *     Requires the scope `write:appointments`.
         */
        post: operations["CompleteAppointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/appointments/{id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start appointment
         * @description scheduled -> in_progress. Sets `started_at`.
         *
         *     Requires the scope `write:appointments`.
         */
        post: operations["StartAppointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/apps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List apps
         * @description The organization's own apps, newest first.
         *
         *     Requires the scope `manage:apps`.
         */
        get: operations["ListApps"];
        put?: never;
        /**
         * Create app
         * @description Registers an app as a draft. A confidential app's response carries its client secret, one of only two times it is shown.
         *
         *     Requires the scope `manage:apps`.
         */
        post: operations["CreateApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/apps/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get app
         * @description Requires the scope `manage:apps`.
         */
        get: operations["GetApp"];
        put?: never;
        post?: never;
        /**
         * Delete app
         * @description Deletes an app, uninstalling it everywhere (its tokens stop working at once).
         *
         *     Requires the scope `manage:apps`.
         */
        delete: operations["DeleteApp"];
        options?: never;
        head?: never;
        /**
         * Update app
         * @description Changes an app. A change to an approved or rejected app's redirect URIs or scopes sends it back to draft (it must be reviewed again); a suspended app cannot be changed.
         *
         *     Requires the scope `manage:apps`.
         */
        patch: operations["UpdateApp"];
        trace?: never;
    };
    "/api/public/v1/apps/{id}/analytics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get app analytics
         * @description Per day: installs, uninstalls, active installs, requests, errors, latency.
         *
         *     Requires the scope `manage:apps`.
         */
        get: operations["GetAppAnalytics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/apps/{id}/rotate_secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate app secret
         * @description Replaces a confidential app's client secret; the old one stops working at once. The response carries the new secret.
         *
         *     Requires the scope `manage:apps`.
         */
        post: operations["RotateAppSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/apps/{id}/submit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit app
         * @description Submits a draft or rejected app for review (`in_review`).
         *
         *     Requires the scope `manage:apps`.
         */
        post: operations["SubmitApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/audit_events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List audit events
         * @description Audit events, newest first.
         *
         *     Requires the scope `read:logs`.
         */
        get: operations["ListAuditEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List customers
         * @description Requires the scope `read:customers`.
         */
        get: operations["ListCustomers"];
        put?: never;
        /**
         * Create customer
         * @description Requires the scope `write:customers`.
         */
        post: operations["CreateCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get customer
         * @description Requires the scope `read:customers`.
         */
        get: operations["GetCustomer"];
        put?: never;
        post?: never;
        /**
         * Delete customer
         * @description Requires the scope `delete:customers`.
         */
        delete: operations["DeleteCustomer"];
        options?: never;
        head?: never;
        /**
         * Update customer
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway.
         *
         *     Requires the scope `write:customers`.
         */
        patch: operations["UpdateCustomer"];
        trace?: never;
    };
    "/api/public/v1/customers/{id}/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List customer activity
         * @description The customer's history of appointments, estimates, invoices and payments, newest first.
         *
         *     Requires the scope `read:customers`.
         */
        get: operations["ListCustomerActivity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/estimates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List estimates
         * @description Requires the scope `read:estimates`.
         */
        get: operations["ListEstimates"];
        put?: never;
        /**
         * Create estimate
         * @description Requires the scope `write:estimates`.
         */
        post: operations["CreateEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/estimates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get estimate
         * @description Requires the scope `read:estimates`.
         */
        get: operations["GetEstimate"];
        put?: never;
        post?: never;
        /**
         * Delete estimate
         * @description Requires the scope `delete:estimates`.
         */
        delete: operations["DeleteEstimate"];
        options?: never;
        head?: never;
        /**
         * Update estimate
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway. The status moves only through the actions below.
         *
         *     Requires the scope `write:estimates`.
         */
        patch: operations["UpdateEstimate"];
        trace?: never;
    };
    "/api/public/v1/estimates/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approve estimate
         * @description sent -> approved.
         *
         *     Requires the scope `write:estimates`.
         */
        post: operations["ApproveEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/estimates/{id}/convert": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Convert estimate
         * @description approved -> converted: creates a draft invoice with the estimate's line items and tax in the same transaction. The returned estimate's `invoice_id` names the new invoice.
         *
         *     Requires the scope `write:estimates`.
         */
        post: operations["ConvertEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/estimates/{id}/decline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Decline estimate
         * @description sent -> declined.
         *
         *     Requires the scope `write:estimates`.
         */
        post: operations["DeclineEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/estimates/{id}/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send estimate
         * @description draft -> sent.
         *
         *     Requires the scope `write:estimates`.
         */
        post: operations["SendEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List events
         * @description Events, newest first.
         *
         *     Requires the scope `manage:webhooks`.
         */
        get: operations["ListEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/events/simulate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Simulate event
         * @description Emits an event of any type with the given data. Sandbox organizations only: elsewhere it fails with FailedPrecondition.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["SimulateEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get event
         * @description Requires the scope `manage:webhooks`.
         */
        get: operations["GetEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/events/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay event
         * @description Sends one event again: to one endpoint, or to every enabled endpoint subscribed to it.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["ReplayEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List files
         * @description Requires the scope `read:files`.
         */
        get: operations["ListFiles"];
        put?: never;
        /**
         * Create file
         * @description Uploads a file: the first message carries the metadata, the following ones the bytes in order. Over REST the request is multipart/form-data with the content in the part named `file`; the gateway turns it into this stream.
         *
         *     Requires the scope `write:files`.
         */
        post: operations["CreateFile"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/files/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get file
         * @description Requires the scope `read:files`.
         */
        get: operations["GetFile"];
        put?: never;
        post?: never;
        /**
         * Delete file
         * @description Deletes the record and the stored object.
         *
         *     Requires the scope `delete:files`.
         */
        delete: operations["DeleteFile"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/files/{id}/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get file content
         * @description Streams the stored bytes in order. Over REST the body is the raw content, with the file's MIME type as Content-Type.
         *
         *     Requires the scope `read:files`.
         */
        get: operations["GetFileContent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/invoices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List invoices
         * @description Requires the scope `read:invoices`.
         */
        get: operations["ListInvoices"];
        put?: never;
        /**
         * Create invoice
         * @description Requires the scope `write:invoices`.
         */
        post: operations["CreateInvoice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/invoices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get invoice
         * @description Requires the scope `read:invoices`.
         */
        get: operations["GetInvoice"];
        put?: never;
        post?: never;
        /**
         * Delete invoice
         * @description Requires the scope `delete:invoices`.
         */
        delete: operations["DeleteInvoice"];
        options?: never;
        head?: never;
        /**
         * Update invoice
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway. The status moves only through the actions below and through payments.
         *
         *     Requires the scope `write:invoices`.
         */
        patch: operations["UpdateInvoice"];
        trace?: never;
    };
    "/api/public/v1/invoices/{id}/finalize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Finalize invoice
         * @description draft -> open. Sets `finalized_at`; line items and totals are frozen from then on.
         *
         *     Requires the scope `write:invoices`.
         */
        post: operations["FinalizeInvoice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/invoices/{id}/void": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Void invoice
         * @description draft, open or overdue -> void. Sets `voided_at`.
         *
         *     Requires the scope `write:invoices`.
         */
        post: operations["VoidInvoice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List payments
         * @description Requires the scope `read:payments`.
         */
        get: operations["ListPayments"];
        put?: never;
        /**
         * Create payment
         * @description Records a payment. It is created `succeeded` (and moves the invoice's amount paid and status in the same transaction) unless `status` is `pending`.
         *
         *     Requires the scope `write:payments`.
         */
        post: operations["CreatePayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/payments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get payment
         * @description Requires the scope `read:payments`.
         */
        get: operations["GetPayment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/payments/{id}/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fail payment
         * @description pending -> failed.
         *
         *     Requires the scope `write:payments`.
         */
        post: operations["FailPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/payments/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refund payment
         * @description succeeded -> refunded, in full or in part. The invoice's amount paid goes down by the refunded amount in the same transaction.
         *
         *     Requires the scope `write:payments`.
         */
        post: operations["RefundPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/payments/{id}/succeed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Succeed payment
         * @description pending -> succeeded. Moves the invoice's amount paid and status in the same transaction.
         *
         *     Requires the scope `write:payments`.
         */
        post: operations["SucceedPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/request_logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List request logs
         * @description Requests, newest first.
         *
         *     Requires the scope `read:logs`.
         */
        get: operations["ListRequestLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/request_logs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get request log
         * @description Requires the scope `read:logs`.
         */
        get: operations["GetRequestLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/services": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List service items
         * @description Requires the scope `read:services`.
         */
        get: operations["ListServiceItems"];
        put?: never;
        /**
         * Create service item
         * @description Requires the scope `write:services`.
         */
        post: operations["CreateServiceItem"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/services/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get service item
         * @description Requires the scope `read:services`.
         */
        get: operations["GetServiceItem"];
        put?: never;
        post?: never;
        /**
         * Delete service item
         * @description Requires the scope `delete:services`.
         */
        delete: operations["DeleteServiceItem"];
        options?: never;
        head?: never;
        /**
         * Update service item
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway.
         *
         *     Requires the scope `write:services`.
         */
        patch: operations["UpdateServiceItem"];
        trace?: never;
    };
    "/api/public/v1/team_members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List team members
         * @description Requires the scope `read:team`.
         */
        get: operations["ListTeamMembers"];
        put?: never;
        /**
         * Create team member
         * @description Requires the scope `write:team`.
         */
        post: operations["CreateTeamMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/team_members/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get team member
         * @description Requires the scope `read:team`.
         */
        get: operations["GetTeamMember"];
        put?: never;
        post?: never;
        /**
         * Delete team member
         * @description There is no delete:team scope: deleting a team member needs write:team.
         *
         *     Requires the scope `write:team`.
         */
        delete: operations["DeleteTeamMember"];
        options?: never;
        head?: never;
        /**
         * Update team member
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway.
         *
         *     Requires the scope `write:team`.
         */
        patch: operations["UpdateTeamMember"];
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints
         * @description Requires the scope `manage:webhooks`.
         */
        get: operations["ListWebhookEndpoints"];
        put?: never;
        /**
         * Create webhook endpoint
         * @description Creates an endpoint. The response carries the signing secret, one of only two times it is shown.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["CreateWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get webhook endpoint
         * @description Requires the scope `manage:webhooks`.
         */
        get: operations["GetWebhookEndpoint"];
        put?: never;
        post?: never;
        /**
         * Delete webhook endpoint
         * @description Requires the scope `manage:webhooks`.
         */
        delete: operations["DeleteWebhookEndpoint"];
        options?: never;
        head?: never;
        /**
         * Update webhook endpoint
         * @description Changes the fields named in `update_mask`. Over REST the mask is the set of keys of the PATCH body, filled in by the gateway. Enabling a disabled endpoint clears `disabled_reason`.
         *
         *     Requires the scope `manage:webhooks`.
         */
        patch: operations["UpdateWebhookEndpoint"];
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List delivery attempts
         * @description The endpoint's delivery history, newest first.
         *
         *     Requires the scope `manage:webhooks`.
         */
        get: operations["ListDeliveryAttempts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints/{id}/recover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Recover webhook endpoint
         * @description Queues again every event whose delivery to this endpoint failed since a time.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["RecoverWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints/{id}/rotate_secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate webhook endpoint secret
         * @description Replaces the signing secret. The old one stays valid for a grace period, during which deliveries carry both signatures. The response carries the new secret.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["RotateWebhookEndpointSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public/v1/webhook_endpoints/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test webhook endpoint
         * @description Sends a `webhook.test` event to the endpoint at once.
         *
         *     Requires the scope `manage:webhooks`.
         */
        post: operations["TestWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description A postal address. `country` is an ISO 3166-1 alpha-2 code. */
        Address: {
            readonly line1: string;
            readonly line2: string;
            readonly city: string;
            readonly region: string;
            readonly postal_code: string;
            readonly country: string;
        };
        /** @description A postal address. `country` is an ISO 3166-1 alpha-2 code. */
        AddressInput: {
            line1?: string;
            line2?: string;
            city?: string;
            region?: string;
            postal_code?: string;
            country?: string;
        };
        App: {
            /** @description app_..., also the OAuth client_id */
            readonly id: string;
            /** @description The developer's organization. */
            readonly organization_id: string;
            name: string;
            description: string;
            homepage_url: string;
            /** @description Exact redirect URIs: https://, or http:// on a loopback address. */
            redirect_uris: string[];
            /** @description The scopes the app may request. */
            scopes: string[];
            /**
             * @description - `confidential`: Has a client secret (a server-side app).
             *     - `public`: No secret (a native or browser app): PKCE only.
             * @enum {string|null}
             */
            client_type: "confidential" | "public" | null;
            /** @description "ast_acs_..." for a confidential app; set only in the responses of create and rotate_secret. */
            readonly client_secret: string | null;
            /**
             * @description - `draft`: Installable only in its own organization and in sandbox organizations.
             *     - `approved`: Installable in any organization.
             *     - `suspended`: Installable nowhere; its tokens do not work.
             * @enum {string|null}
             */
            readonly review_status: "draft" | "in_review" | "approved" | "rejected" | "suspended" | null;
            /** @description The reviewers' notes on the last review. */
            readonly review_notes: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        AppAnalyticsDay: {
            /** @description "YYYY-MM-DD" (UTC). */
            readonly date: string;
            /** Format: int64 */
            readonly installs: number;
            /** Format: int64 */
            readonly uninstalls: number;
            /**
             * Format: int64
             * @description Installs active at the end of the day.
             */
            readonly active_installs: number;
            /**
             * Format: int64
             * @description Requests made with the app's tokens.
             */
            readonly requests: number;
            /** Format: int64 */
            readonly client_errors: number;
            /** Format: int64 */
            readonly server_errors: number;
            /** Format: int64 */
            readonly p50_latency_ms: number;
            /** Format: int64 */
            readonly p95_latency_ms: number;
        };
        AppInstall: {
            /** @description ins_... */
            readonly id: string;
            readonly app_id: string;
            readonly app_name: string;
            /** @description The organization the app is installed in. */
            readonly organization_id: string;
            /** @description The scopes granted at consent. */
            scopes: string[];
            /** @description The dashboard user (usr_...) who consented. */
            readonly installed_by_user_id: string;
            /** Format: date-time */
            readonly created_at: string | null;
        };
        /** @description A scheduled visit to a customer. */
        Appointment: {
            /** @description apt_... */
            readonly id: string;
            /** @description cus_... */
            customer_id: string;
            /** @description The catalog services (svc_...) to be performed. */
            service_ids: string[];
            /** Format: date-time */
            scheduled_start: string | null;
            /** Format: date-time */
            scheduled_end: string | null;
            /** @description The team members (tm_...) assigned to the visit. */
            assigned_team_member_ids: string[];
            /** @description Where the visit takes place. */
            address: components["schemas"]["Address"] | null;
            /**
             * @description Where an appointment is in its life cycle.
             * @enum {string|null}
             */
            readonly status: "scheduled" | "in_progress" | "completed" | "canceled" | null;
            notes: string;
            /**
             * Format: date-time
             * @description Set when the appointment is completed.
             */
            readonly completed_at: string | null;
            /**
             * Format: date-time
             * @description Set when the appointment is canceled.
             */
            readonly canceled_at: string | null;
            /**
             * Format: date-time
             * @description Set when the appointment is started.
             */
            readonly started_at: string | null;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        ApproveEstimateRequest: Record<string, never>;
        /** @description Over REST the body is `{"team_member_ids": [...]}`. */
        AssignAppointmentRequest: {
            /** @description The full new set of assigned team members (tm_...); an empty list unassigns everyone. */
            team_member_ids?: string[];
        };
        /** @description One write to one resource. */
        AuditEvent: {
            readonly id: string;
            /**
             * @description Where an API call came from, as recorded in audit and request logs.
             *
             *     - `oauth_app`: A partner app acting with an OAuth access token (its client id).
             * @enum {string|null}
             */
            readonly actor_type: "api_key" | "user" | "internal_service" | "operator" | "oauth_app" | null;
            /** @description The key (key_...), user, internal service or operator that made the change. */
            readonly actor_id: string;
            /** @description What was done, "<resource>.<verb>", e.g. "customer.update". */
            readonly action: string;
            /** @description The resource's type, e.g. "customer". */
            readonly resource_type: string;
            readonly resource_id: string;
            /** @description The resource before the change; absent for a creation. */
            readonly before: Record<string, never> | null;
            /** @description The resource after the change; absent for a deletion. */
            readonly after: Record<string, never> | null;
            /** @description The request (req_...) that made the change. */
            readonly request_id: string;
            /** Format: date-time */
            readonly created_at: string | null;
        };
        CancelAppointmentRequest: Record<string, never>;
        CompleteAppointmentRequest: Record<string, never>;
        ConvertEstimateRequest: Record<string, never>;
        CreateAppRequest: {
            name: string;
            description?: string;
            homepage_url?: string;
            redirect_uris: string[];
            scopes: string[];
            /**
             * @description Confidential when absent.
             * @enum {string|null}
             */
            client_type?: "confidential" | "public" | null;
        };
        /** @description A new appointment; it starts as `scheduled`. */
        CreateAppointmentRequest: {
            customer_id: string;
            service_ids?: string[];
            /** Format: date-time */
            scheduled_start: string | null;
            /**
             * Format: date-time
             * @description Must be after `scheduled_start`.
             */
            scheduled_end: string | null;
            assigned_team_member_ids?: string[];
            address?: components["schemas"]["AddressInput"] | null;
            notes?: string;
        };
        CreateCustomerRequest: {
            name: string;
            company?: string;
            emails?: string[];
            phones?: string[];
            addresses?: components["schemas"]["AddressInput"][];
            tags?: string[];
            notes?: string;
        };
        /** @description A new estimate; it starts as `draft`. */
        CreateEstimateRequest: {
            customer_id: string;
            line_items?: components["schemas"]["LineItemInput"][];
            /** @description Lowercase ISO 4217 code; "usd" when empty. */
            currency?: string;
            /** @description Tax rate in basis points: 825 is 8.25%. */
            tax_rate_bps?: number;
            notes?: string;
        };
        /** @description A new invoice; it starts as `draft`. */
        CreateInvoiceRequest: {
            customer_id: string;
            line_items?: components["schemas"]["LineItemInput"][];
            /** @description Lowercase ISO 4217 code; "usd" when empty. */
            currency?: string;
            /** @description Tax rate in basis points: 825 is 8.25%. */
            tax_rate_bps?: number;
            /** @description Calendar date, "YYYY-MM-DD". */
            due_date?: string;
        };
        /** @description A payment to record against an invoice. */
        CreatePaymentRequest: {
            invoice_id: string;
            /**
             * Format: int64
             * @description In minor units of `currency`; positive.
             */
            amount: number;
            /** @description Lowercase ISO 4217 code; must be the invoice's currency (that currency when empty). */
            currency?: string;
            /**
             * @description How a payment was made.
             * @enum {string|null}
             */
            method: "card" | "ach" | "cash" | "check" | "other" | null;
            reference?: string;
            /**
             * @description `pending` records a payment not yet collected; unset (or `succeeded`) records a collected one. Any other value is rejected.
             * @enum {string|null}
             */
            status?: "pending" | "succeeded" | "failed" | "refunded" | null;
        };
        CreateServiceItemRequest: {
            name: string;
            description?: string;
            /**
             * Format: int64
             * @description In minor units of `currency`; zero or more.
             */
            price?: number;
            /** @description Lowercase ISO 4217 code; "usd" when empty. */
            currency?: string;
            duration_minutes?: number;
            online_bookable?: boolean;
            /** @description True when absent. */
            active?: boolean | null;
        };
        CreateTeamMemberRequest: {
            name: string;
            email: string;
            role: string;
            /** @description True when absent. */
            active?: boolean | null;
        };
        CreateWebhookEndpointRequest: {
            /** @description An https URL; in production mode it must not resolve to a private, loopback or link-local address. */
            url: string;
            description?: string;
            /** @description Exact types, groups ("customers.*") or "*"; at least one. */
            event_types?: string[];
            /** @description True when absent. */
            enabled?: boolean | null;
            /** @description At most this many deliveries per second (1 to 10000); absent for no limit. */
            rate_limit?: number | null;
        };
        Customer: {
            /** @description cus_... */
            readonly id: string;
            name: string;
            company: string;
            emails: string[];
            phones: string[];
            addresses: components["schemas"]["Address"][];
            tags: string[];
            notes: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        /** @description One entry of a customer's history: which object, what happened, and when. */
        CustomerActivity: {
            /** @description The object's type: "appointment", "estimate", "invoice" or "payment". */
            readonly object_type: string;
            readonly object_id: string;
            /** @description The event type, e.g. "invoice.paid". */
            readonly type: string;
            readonly summary: string;
            /** Format: date-time */
            readonly occurred_at: string | null;
        };
        DeclineEstimateRequest: Record<string, never>;
        /** @description One try at delivering one event to one endpoint. */
        DeliveryAttempt: {
            readonly id: string;
            /** @description evt_... */
            readonly event_id: string;
            /** @description we_... */
            readonly endpoint_id: string;
            /** @description 1 for the first try, then 2, 3, ... for retries. */
            readonly attempt: number;
            /** @description The HTTP status the endpoint answered; 0 when there was no answer (timeout, refused). */
            readonly status_code: number;
            /** @description The start of the endpoint's response body, truncated. */
            readonly response_body: string;
            /** @description What went wrong on our side or the network's (e.g. "timeout"); empty otherwise. */
            readonly error: string;
            /** Format: int64 */
            readonly duration_ms: number;
            /** Format: date-time */
            readonly created_at: string | null;
            /** @description Whether the endpoint answered with a 2xx. */
            readonly success: boolean;
        };
        /** @description The body of every error answer. `code` is stable and machine-readable; `message` is for people and may change. */
        Error: {
            /** @description A stable error code, e.g. `not_found`, `validation_failed`, `rate_limited`. The errors guide lists them all. */
            code: string;
            /** @description What went wrong, for a person. */
            message: string;
            /** @description The `x-request-id` of the request: quote it when asking for help. */
            request_id: string;
            /** @description Field problems (400 and 422): the field's name or path, and what is wrong with it. */
            errors?: {
                [key: string]: string[];
            };
            /** @description With `missing_scope`: the scope the route needs. */
            required_scope?: string;
            /**
             * @description With `rate_limited`: the exhausted budget.
             * @enum {string}
             */
            window?: "minute" | "day";
            /** @description With `rate_limited`: that budget's size. */
            limit?: number;
            /** @description With `rate_limited`: seconds until a request fits again (also `Retry-After`). */
            reset_seconds?: number;
        };
        /** @description A priced proposal to a customer. All amounts are in minor units of `currency`, computed by the server from the line items and the tax rate. */
        Estimate: {
            /** @description est_... */
            readonly id: string;
            /** @description cus_... */
            customer_id: string;
            line_items: components["schemas"]["LineItem"][];
            /** @description Lowercase ISO 4217 code, e.g. "usd". */
            currency: string;
            /**
             * Format: int64
             * @description Sum of the line items' amounts.
             */
            readonly subtotal: number;
            /** @description Tax rate in basis points: 825 is 8.25%. */
            tax_rate_bps: number;
            /**
             * Format: int64
             * @description subtotal * tax_rate_bps / 10000, rounded half up.
             */
            readonly tax: number;
            /**
             * Format: int64
             * @description subtotal + tax.
             */
            readonly total: number;
            /**
             * @description Where an estimate is in its life cycle.
             * @enum {string|null}
             */
            readonly status: "draft" | "sent" | "approved" | "declined" | "converted" | null;
            /** @description The invoice (inv_...) made by `/convert`; null before. */
            readonly invoice_id: string | null;
            notes: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        /** @description Something that happened, e.g. "invoice.paid". This is also the body of a webhook delivery. */
        Event: {
            /** @description evt_... */
            readonly id: string;
            /** @description The event type, e.g. "invoice.paid". */
            type: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** @description org_... */
            readonly organization_id: string;
            /** @description The object the event is about, as the API returns it. */
            data: Record<string, never> | null;
        };
        FailPaymentRequest: Record<string, never>;
        /** @description An uploaded file and where its content is stored. */
        File: {
            /** @description file_... */
            readonly id: string;
            /** @description The file name given at upload. */
            readonly name: string;
            readonly mime_type: string;
            /** Format: int64 */
            readonly size_bytes: number;
            /** @description Hex-encoded SHA-256 of the content. */
            readonly checksum_sha256: string;
            /**
             * @description Where a file is in its processing.
             *
             *     - `pending`: Record created, content not yet fully received.
             * @enum {string|null}
             */
            readonly status: "pending" | "processing" | "ready" | "failed" | null;
            /** @description The storage bucket holding the content. */
            readonly bucket: string;
            /** @description The object key of the content in `bucket`. */
            readonly storage_key: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        FinalizeInvoiceRequest: Record<string, never>;
        GetAppAnalyticsResponse: {
            /** @description One per day, oldest first, today included. */
            days: components["schemas"]["AppAnalyticsDay"][];
        };
        /** @description What a customer owes. All amounts are in minor units of `currency`, computed by the server. */
        Invoice: {
            /** @description inv_... */
            readonly id: string;
            /** @description cus_... */
            customer_id: string;
            /** @description The estimate (est_...) this invoice was converted from; null otherwise. */
            readonly estimate_id: string | null;
            line_items: components["schemas"]["LineItem"][];
            /** @description Lowercase ISO 4217 code, e.g. "usd". */
            currency: string;
            /**
             * Format: int64
             * @description Sum of the line items' amounts.
             */
            readonly subtotal: number;
            /** @description Tax rate in basis points: 825 is 8.25%. */
            tax_rate_bps: number;
            /**
             * Format: int64
             * @description subtotal * tax_rate_bps / 10000, rounded half up.
             */
            readonly tax: number;
            /**
             * Format: int64
             * @description subtotal + tax.
             */
            readonly total: number;
            /**
             * Format: int64
             * @description Sum of succeeded payments, less refunds.
             */
            readonly amount_paid: number;
            /**
             * Format: int64
             * @description total - amount_paid, never below zero.
             */
            readonly amount_due: number;
            /** @description Calendar date, "YYYY-MM-DD"; empty when none is set. */
            due_date: string;
            /**
             * @description Where an invoice is in its life cycle.
             *
             *     - `overdue`: Open and past its due date.
             * @enum {string|null}
             */
            readonly status: "draft" | "open" | "paid" | "void" | "overdue" | null;
            /**
             * @description Whether an invoice has been exported to the accounting system.
             * @enum {string|null}
             */
            accounting_export_status: "not_exported" | "pending" | "exported" | "failed" | null;
            /** Format: date-time */
            readonly finalized_at: string | null;
            /** Format: date-time */
            readonly paid_at: string | null;
            /** Format: date-time */
            readonly voided_at: string | null;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        /** @description One line of an estimate or an invoice, as the server stores and returns it. */
        LineItem: {
            /** @description The catalog service (svc_...) this line bills for; null for a free-text line. */
            readonly service_id: string | null;
            readonly description: string;
            /** Format: int64 */
            readonly quantity: number;
            /**
             * Format: int64
             * @description Price of one unit, in minor units of the document's currency.
             */
            readonly unit_price: number;
            /**
             * Format: int64
             * @description quantity * unit_price, in minor units. Computed by the server, never taken from the client.
             */
            readonly amount: number;
        };
        /** @description One line of an estimate or an invoice as a client sends it in a create or update request. The server computes the line's amount and the document's totals. */
        LineItemInput: {
            /** @description The catalog service (svc_...) this line bills for; empty for a free-text line. */
            service_id?: string;
            description?: string;
            /** Format: int64 */
            quantity?: number;
            /**
             * Format: int64
             * @description Price of one unit, in minor units of the document's currency.
             */
            unit_price?: number;
        };
        ListAppInstallsResponse: {
            data: components["schemas"]["AppInstall"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListAppointmentsResponse: {
            data: components["schemas"]["Appointment"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListAppsResponse: {
            data: components["schemas"]["App"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListAuditEventsResponse: {
            data: components["schemas"]["AuditEvent"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListCustomerActivityResponse: {
            data: components["schemas"]["CustomerActivity"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListCustomersResponse: {
            data: components["schemas"]["Customer"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListDeliveryAttemptsResponse: {
            data: components["schemas"]["DeliveryAttempt"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListEstimatesResponse: {
            data: components["schemas"]["Estimate"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListEventsResponse: {
            data: components["schemas"]["Event"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListFilesResponse: {
            data: components["schemas"]["File"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListInvoicesResponse: {
            data: components["schemas"]["Invoice"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListPaymentsResponse: {
            data: components["schemas"]["Payment"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListRequestLogsResponse: {
            data: components["schemas"]["RequestLog"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListServiceItemsResponse: {
            data: components["schemas"]["ServiceItem"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListTeamMembersResponse: {
            data: components["schemas"]["TeamMember"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        ListWebhookEndpointsResponse: {
            data: components["schemas"]["WebhookEndpoint"][];
            has_more: boolean;
            next_cursor: string | null;
        };
        /** @description Money collected against an invoice. */
        Payment: {
            /** @description pay_... */
            readonly id: string;
            /** @description inv_... */
            invoice_id: string;
            /** @description The invoice's customer (cus_...). */
            readonly customer_id: string;
            /**
             * Format: int64
             * @description In minor units of `currency`; always positive.
             */
            amount: number;
            /** @description Lowercase ISO 4217 code; always the invoice's currency. */
            currency: string;
            /**
             * @description How a payment was made.
             * @enum {string|null}
             */
            method: "card" | "ach" | "cash" | "check" | "other" | null;
            /**
             * @description Where a payment is in its life cycle.
             *
             *     - `refunded`: Refunded in full or in part: see `refunded_amount`.
             * @enum {string|null}
             */
            status: "pending" | "succeeded" | "failed" | "refunded" | null;
            /** @description The caller's reference, e.g. a check number or a processor's charge id. */
            reference: string;
            /**
             * Format: int64
             * @description How much of `amount` has been refunded, in minor units.
             */
            readonly refunded_amount: number;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        /** @description Over REST the body is `{"since": "..."}`. */
        RecoverWebhookEndpointRequest: {
            /**
             * Format: date-time
             * @description Failed deliveries of events created at or after this time are queued again.
             */
            since?: string | null;
        };
        RecoverWebhookEndpointResponse: {
            /** @description How many events were queued for delivery again. */
            queued: number;
        };
        RefundPaymentRequest: {
            /**
             * Format: int64
             * @description In minor units; absent refunds whatever has not been refunded yet. At most `amount` minus `refunded_amount`.
             */
            amount?: number | null;
        };
        /** @description Over REST the body is `{"endpoint_id": "we_..."}`, or empty. */
        ReplayEventRequest: {
            /** @description Only this endpoint (we_...); absent means every enabled endpoint subscribed to the event. */
            endpoint_id?: string | null;
        };
        ReplayEventResponse: {
            /** @description How many deliveries were queued. */
            queued: number;
        };
        /** @description One request the gateway served. */
        RequestLog: {
            /** @description req_..., the request's x-request-id */
            readonly id: string;
            /** @description HTTP method, upper case, e.g. "POST". */
            readonly method: string;
            /** @description Path with query string, e.g. "/api/public/v1/customers?limit=10". */
            readonly path: string;
            readonly status_code: number;
            /** Format: int64 */
            readonly duration_ms: number;
            /** @description The caller's IP address. */
            readonly ip: string;
            /** @description The API key (key_...) the request came with; empty when there was none. */
            readonly key_id: string;
            /** @description The organization (org_...) the request was pinned to; empty when there was none. */
            readonly organization_id: string;
            /** @description The request body with secrets redacted, truncated. */
            readonly request_body: string;
            /** @description The response body with secrets redacted, truncated. */
            readonly response_body: string;
            /** Format: date-time */
            readonly created_at: string | null;
        };
        RotateAppSecretRequest: Record<string, never>;
        RotateWebhookEndpointSecretRequest: {
            /** @description How long the old secret stays valid, in seconds; 24 hours when absent, 0 to expire it at once. */
            expire_old_secret_in_seconds?: number | null;
        };
        SendEstimateRequest: Record<string, never>;
        /** @description One entry of the service catalog. */
        ServiceItem: {
            /** @description svc_... */
            readonly id: string;
            name: string;
            description: string;
            /**
             * Format: int64
             * @description Price of one unit, in minor units of `currency`.
             */
            price: number;
            /** @description Lowercase ISO 4217 code, e.g. "usd". */
            currency: string;
            /** @description How long one unit takes, in minutes. */
            duration_minutes: number;
            /** @description Whether customers may book it online. */
            online_bookable: boolean;
            /** @description Inactive services stay on record but cannot be added to new documents. */
            active: boolean;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        SimulateEventRequest: {
            /** @description Any event type of the catalog, e.g. "invoice.paid". */
            type?: string;
            /** @description The event's data; a realistic sample object when absent. */
            data?: Record<string, never> | null;
        };
        StartAppointmentRequest: Record<string, never>;
        SubmitAppRequest: Record<string, never>;
        SucceedPaymentRequest: Record<string, never>;
        /** @description A person who carries out appointments. */
        TeamMember: {
            /** @description tm_... */
            readonly id: string;
            name: string;
            email: string;
            /** @description Free-form role, e.g. "technician" or "dispatcher". */
            role: string;
            /** @description Inactive members stay on record but cannot be assigned to appointments. */
            active: boolean;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
        };
        TestWebhookEndpointRequest: Record<string, never>;
        TestWebhookEndpointResponse: {
            /** @description The `webhook.test` event (evt_...) that was sent. */
            event_id: string;
            /** @description The delivery attempt made at once; absent when it could not be made synchronously. */
            attempt: components["schemas"]["DeliveryAttempt"] | null;
        };
        UpdateAppRequest: {
            name?: string;
            description?: string;
            homepage_url?: string;
            redirect_uris?: string[];
            scopes?: string[];
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. */
        UpdateAppointmentRequest: {
            service_ids?: string[];
            /** Format: date-time */
            scheduled_start?: string | null;
            /** Format: date-time */
            scheduled_end?: string | null;
            /**
             * @deprecated
             * @description Deprecated since 2026-12-02: change the crew with `POST /appointments/{id}/assign` (`AssignAppointment`), the life-cycle action named after the event it raises (`appointment.assigned`). A PATCH that names it still replaces the crew by the rules of `/assign` and answers with a `Deprecation` header; it is kept for all of v1 (no sunset).
             */
            assigned_team_member_ids?: string[];
            address?: components["schemas"]["AddressInput"] | null;
            notes?: string;
        };
        UpdateCustomerRequest: {
            name?: string;
            company?: string;
            emails?: string[];
            phones?: string[];
            addresses?: components["schemas"]["AddressInput"][];
            tags?: string[];
            notes?: string;
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. Line items are replaced as a whole, and the totals recomputed. */
        UpdateEstimateRequest: {
            line_items?: components["schemas"]["LineItemInput"][];
            currency?: string;
            tax_rate_bps?: number;
            notes?: string;
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. Line items are replaced as a whole, and the totals recomputed; they can change on drafts only. */
        UpdateInvoiceRequest: {
            line_items?: components["schemas"]["LineItemInput"][];
            currency?: string;
            tax_rate_bps?: number;
            /** @description Calendar date, "YYYY-MM-DD". */
            due_date?: string;
            /**
             * @description Set by the accounting integration as it exports the invoice.
             * @enum {string|null}
             */
            accounting_export_status?: "not_exported" | "pending" | "exported" | "failed" | null;
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. */
        UpdateServiceItemRequest: {
            name?: string;
            description?: string;
            /** Format: int64 */
            price?: number;
            currency?: string;
            duration_minutes?: number;
            online_bookable?: boolean;
            active?: boolean;
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. */
        UpdateTeamMemberRequest: {
            name?: string;
            email?: string;
            role?: string;
            active?: boolean;
        };
        /** @description The fields named in `update_mask` are changed; the others are left as they are. */
        UpdateWebhookEndpointRequest: {
            url?: string;
            description?: string;
            event_types?: string[];
            enabled?: boolean;
            /** @description Absent (or null) with `rate_limit` in the mask removes the limit. */
            rate_limit?: number | null;
            /** @description Why the endpoint is disabled (kept with `enabled: false`; cleared when it is enabled). */
            disabled_reason?: string;
        };
        VoidInvoiceRequest: Record<string, never>;
        /** @description A URL that receives events. */
        WebhookEndpoint: {
            /** @description we_... */
            readonly id: string;
            url: string;
            description: string;
            /** @description Subscribed event types: exact types ("invoice.paid"), groups ("invoices.*") or "*". */
            event_types: string[];
            enabled: boolean;
            /** @description The signing secret, "whsec_" + base64. Set only in the responses of create and rotate_secret. */
            readonly secret: string | null;
            /** @description Why the platform disabled the endpoint (e.g. failing for days); empty otherwise. */
            disabled_reason: string;
            /** Format: date-time */
            readonly created_at: string | null;
            /** Format: date-time */
            readonly updated_at: string | null;
            /** @description At most this many deliveries per second to this endpoint; absent for no limit. */
            rate_limit: number | null;
        };
    };
    responses: {
        /** @description Malformed request (`invalid_request`: a body that is not JSON, an unknown field or query parameter, a value of the wrong type) or no organization (`organization_required`). */
        BadRequest: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No credential, or a malformed, unknown, revoked or expired one (`unauthenticated`). */
        Unauthenticated: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The key belongs to another organization (`organization_mismatch`), lacks the route's scope (`missing_scope`, naming `required_scope`), or may not act on this organization (`permission_denied`). */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such object in this organization (`not_found`). Another organization's object is not found either. */
        NotFound: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The object's state forbids this change or a unique value is taken (`conflict` or a more specific code), or the `Idempotency-Key` was used with another request (`idempotency_key_reused`) or is still in progress (`idempotency_key_in_use`). */
        Conflict: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is over the size limit (`payload_too_large`). */
        PayloadTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is not `application/json` (or `multipart/form-data` for uploads) (`unsupported_media_type`). */
        UnsupportedMediaType: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A value breaks a rule of the resource (`validation_failed`); `errors` names each field. */
        ValidationFailed: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many requests: the key's per-minute or per-day budget is spent (`rate_limited`). Retry after `Retry-After` seconds. */
        RateLimited: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Something broke on our side (`internal_error`). Safe to retry with the same `Idempotency-Key`. */
        InternalError: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A dependency is briefly unavailable (`service_unavailable`). Retry with backoff. */
        Unavailable: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The request's id: the caller's own `x-request-id` when it sent a valid one, else `req_...`. It is in every error body and the request history. */
        "X-Request-Id": string;
        /** @description The size of the key's per-minute budget. */
        "RateLimit-Limit": number;
        /** @description Requests left in the budget that runs out first. */
        "RateLimit-Remaining": number;
        /** @description Seconds until that budget is full again. */
        "RateLimit-Reset": number;
        /** @description Seconds to wait before retrying. */
        "Retry-After": number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    ListAppInstalls: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListAppInstallsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteAppInstall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListAppointments: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only appointments of this customer. */
                customer_id?: string;
                /** @description Only appointments in this status; unspecified means any. */
                status?: "scheduled" | "in_progress" | "completed" | "canceled" | null;
                /** @description Only appointments changed at or after this time. */
                updated_since?: string;
                /** @description Only appointments that start at or after this time. */
                scheduled_after?: string;
                /** @description Only appointments that start before this time. */
                scheduled_before?: string;
                /** @description Only appointments this team member is assigned to. */
                team_member_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListAppointmentsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateAppointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateAppointmentRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetAppointment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteAppointment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateAppointment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateAppointmentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    AssignAppointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["AssignAppointmentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CancelAppointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CancelAppointmentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CompleteAppointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CompleteAppointmentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    StartAppointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["StartAppointmentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Appointment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListApps: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListAppsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateApp: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateAppRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["App"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["App"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateAppRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["App"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetAppAnalytics: {
        parameters: {
            query?: {
                /** @description Days back from today (UTC), 1 to 90; 30 when absent. */
                days?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetAppAnalyticsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    RotateAppSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateAppSecretRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["App"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    SubmitApp: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SubmitAppRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["App"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListAuditEvents: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only events about resources of this type, e.g. "customer". */
                resource_type?: string;
                /** @description Only events about this resource. */
                resource_id?: string;
                /** @description Only events by this actor. */
                actor_id?: string;
                /** @description Only events created at or after this time. */
                created_after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListAuditEventsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListCustomers: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only customers changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListCustomersResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateCustomer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateCustomerRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateCustomerRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListCustomerActivity: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListCustomerActivityResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListEstimates: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only estimates of this customer. */
                customer_id?: string;
                /** @description Only estimates in this status; unspecified means any. */
                status?: "draft" | "sent" | "approved" | "declined" | "converted" | null;
                /** @description Only estimates changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListEstimatesResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateEstimateRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetEstimate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteEstimate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateEstimate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateEstimateRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ApproveEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ApproveEstimateRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ConvertEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ConvertEstimateRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeclineEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["DeclineEstimateRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    SendEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SendEstimateRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListEvents: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only events of this exact type. */
                type?: string;
                /** @description Only events created at or after this time. */
                created_after?: string;
                /** @description Only events created before this time. */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListEventsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    SimulateEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SimulateEventRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ReplayEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ReplayEventRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReplayEventResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListFiles: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only files in this status; unspecified means any. */
                status?: "pending" | "processing" | "ready" | "failed" | null;
                /** @description Only files changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListFilesResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateFile: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** @description The content; its filename and Content-Type name the file. */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["File"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["File"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetFileContent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The content, with its Content-Type, Content-Length and Content-Disposition. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListInvoices: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only invoices of this customer. */
                customer_id?: string;
                /** @description Only invoices in this status; unspecified means any. */
                status?: "draft" | "open" | "paid" | "void" | "overdue" | null;
                /** @description Only invoices changed at or after this time. */
                updated_since?: string;
                /** @description Only invoices due on or before this date, "YYYY-MM-DD". */
                due_before?: string;
                /** @description Only invoices due on or after this date, "YYYY-MM-DD". */
                due_after?: string;
                /** @description Only invoices created at or after this time. */
                created_after?: string;
                /** @description Only invoices created before this time. */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListInvoicesResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateInvoice: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateInvoiceRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetInvoice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteInvoice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateInvoice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateInvoiceRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    FinalizeInvoice: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["FinalizeInvoiceRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    VoidInvoice: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["VoidInvoiceRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Invoice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListPayments: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only payments against this invoice. */
                invoice_id?: string;
                /** @description Only payments of this customer. */
                customer_id?: string;
                /** @description Only payments in this status; unspecified means any. */
                status?: "pending" | "succeeded" | "failed" | "refunded" | null;
                /** @description Only payments changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListPaymentsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreatePayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePaymentRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetPayment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    FailPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["FailPaymentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    RefundPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RefundPaymentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    SucceedPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SucceedPaymentRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListRequestLogs: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only requests answered with this HTTP status. */
                status_code?: number;
                /** @description Only requests with this HTTP method, e.g. "POST". */
                method?: string;
                /** @description Only requests made with this API key (key_...). */
                key_id?: string;
                /** @description Only requests made at or after this time. */
                created_after?: string;
                /** @description Only requests whose path (without the query string) starts with this, e.g. "/api/public/v1/customers". */
                path_prefix?: string;
                /** @description Only requests made before this time. */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListRequestLogsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetRequestLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RequestLog"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListServiceItems: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only active (true) or inactive (false) services; absent means both. */
                active?: boolean;
                /** @description Only services that are (true) or are not (false) bookable online; absent means both. */
                online_bookable?: boolean;
                /** @description Only services changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListServiceItemsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateServiceItem: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateServiceItemRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceItem"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetServiceItem: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceItem"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteServiceItem: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateServiceItem: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateServiceItemRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceItem"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListTeamMembers: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only active (true) or inactive (false) members; absent means both. */
                active?: boolean;
                /** @description Only members changed at or after this time. */
                updated_since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListTeamMembersResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateTeamMember: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTeamMemberRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamMember"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetTeamMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamMember"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteTeamMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateTeamMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateTeamMemberRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamMember"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListWebhookEndpoints: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListWebhookEndpointsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    CreateWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    GetWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    DeleteWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    UpdateWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    ListDeliveryAttempts: {
        parameters: {
            query?: {
                /** @description 1 to 100; 25 when absent. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only attempts for this event. */
                event_id?: string;
                /** @description Only successful (true) or failed (false) attempts; absent means both. */
                success?: boolean;
            };
            header?: never;
            path: {
                /** @description The endpoint (we_...). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListDeliveryAttemptsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    RecoverWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RecoverWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecoverWebhookEndpointResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    RotateWebhookEndpointSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateWebhookEndpointSecretRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    TestWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the first answer is stored for 24 hours and replayed (with `Idempotent-Replayed: true`) for a repeat with the same key and body; the same key with another body is 409 `idempotency_key_reused`. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["TestWebhookEndpointRequest"];
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "RateLimit-Limit": components["headers"]["RateLimit-Limit"];
                    "RateLimit-Remaining": components["headers"]["RateLimit-Remaining"];
                    "RateLimit-Reset": components["headers"]["RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TestWebhookEndpointResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
}
