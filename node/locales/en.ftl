# Sanad — English catalogue. Every key here must also exist in ar.ftl (a test checks).
app-name = Sanad
nav-cases = Cases
nav-needs = Needs
nav-members = Members
nav-settings = Settings
nav-operator = Node
nav-signout = Sign out

error-status = Error { $status }
error-request-id = Request id:
error-home = Back to the start page

home-title = Start
home-not-set-up = This node is not set up yet
home-not-set-up-help = The operator who started the node has a one-time setup link in its output. Open that link to create the first organisation and its administrator.
home-choose-org = Your organisations
home-no-orgs = You are not a member of any organisation yet. Ask an administrator to add you.

setup-title = Set up this node
setup-intro = Create the first organisation and its administrator. You will be signed in as the administrator, who also operates this node.
setup-org = Organisation
setup-admin = Administrator
setup-submit = Create and sign in

signin-title = Sign in
signin-submit = Sign in

account-title = Your account
account-password-changed = Your password was changed. Other sessions were signed out.
account-change-password = Change password

field-name-ar = Name in Arabic
field-name-en = Name in English
field-slug = Short name
field-slug-hint = Used in addresses: lower-case letters, digits and hyphens, e.g. al-amal
field-display-name = Name
field-email = E-mail
field-password = Password
field-password-hint = At least 10 characters
field-current-password = Current password
field-new-password = New password
field-initial-password = Initial password (for a new account)
field-description = Description
field-role = Role
field-sector = Sector
field-status = Status
field-region = Region
field-head-name = Head of household
field-national-id = National id number
field-optional = Optional
field-phone = Phone
field-address = Address
field-household-size = Household size
field-vulnerabilities = Vulnerabilities
field-consent = The household consents to sharing its needs anonymously with other charities
field-consent-hint = Only needs of consenting households can be made visible beyond this organisation. Names, phone numbers, id numbers and addresses are never shared.
field-assigned-to = Caseworker
field-item = Item
field-item-hint = What is needed, e.g. food parcel, blanket, rent
field-quantity = Quantity
field-unit = Unit
field-unit-hint = e.g. parcel, kg, month
field-quantity-met = Quantity provided
field-urgency = Urgency
field-needed-by = Needed by
field-date-hint = Year-month-day, e.g. 2026-12-31
field-public-summary = Public summary
field-public-summary-hint = What donors and other charities may read. Do not write names, phone numbers or addresses.
field-visibility = Visibility
field-cancelled = Cancel this need

action-save = Save
action-change = Change
action-remove = Remove
action-create = Create
action-filter = Filter
action-edit = Edit

dashboard-title = Dashboard
dashboard-open-cases = Open cases: { $count }
dashboard-open-needs = Needs still open: { $count }
dashboard-needs-by-sector = Open needs by sector and urgency
dashboard-no-needs = No open needs.
total = Total

case = Case
cases-title = Cases
cases-new = Register a household
cases-edit = Edit household
cases-none = No cases match.
cases-close = Close case
cases-reopen = Reopen case

needs-title = Needs
needs-new = New need
needs-edit = Edit need
needs-none = No needs.
needs-new-community = New community need
needs-community = Community
needs-community-help = A community need belongs to the organisation, not to one household.
needs-add-for-case = Add a need

settings-title = Organisation settings
saved = Saved.
settings-node-key = Node signing key
settings-node-key-help = Other nodes use this public key to check that shared needs really come from this node.

members-title = Members
members-add = Add a member
members-add-help = If the e-mail has no account yet, one is created with the initial password; otherwise the existing account is added.

operator-title = Node operation
operator-help = The organisations hosted on this node. Operators manage the node; they do not see any organisation's cases.
operator-members = Members
operator-new-org = New organisation
operator-grant-help = Give someone a role in the new organisation with: sanad user grant --email … --org … --role admin

filter-text = Search
filter-any = Any
filter-active = Still open (open or partly met)
list-total = { $count } found
page-previous = Previous
page-next = Next
page-of = Page { $page } of { $pages }

form-has-errors = Please correct the fields marked below.
yes = Yes
no = No
notes-title = Notes
notes-none = No notes yet.
notes-add = Add a note
history-title = History
history-when = When
history-who = Who
history-what = What
former-member = former member

audit-case-create = registered the household
audit-case-update = changed the details
audit-case-view = viewed the case
audit-case-close = closed the case
audit-case-reopen = reopened the case
audit-case-note = added a note

err-required = This field is required.
err-too-long = This is too long.
err-control-chars = This contains characters that are not allowed.
err-negative = This cannot be negative.
err-out-of-range = This number is outside the allowed range.
err-not-a-number = Enter a whole number.
err-date = Enter a date as year-month-day, e.g. 2026-12-31.
err-unknown-choice = Choose one of the listed options.
err-phone = Enter a phone number of 5 to 20 digits.
err-email = Enter a valid e-mail address.
err-slug = Use 2 to 64 lower-case letters, digits or hyphens, starting with a letter.
err-password-short = The password must have at least 10 characters.
err-validation = Some fields are invalid.
err-media-type = This content type is not accepted.
err-too-large = The request is too large.
err-unauthorized = Please sign in or send a valid token.
err-forbidden = Your role does not allow this.
err-not-found = Not found.
err-rate-limited = Too many attempts. Wait a minute and try again.
err-internal = Something went wrong on our side. The error has been logged.
err-csrf = This form has expired. Go back, reload the page and try again.
err-method = This method is not allowed here.
err-bad-request = The request is malformed.
err-bad-form = The form data is malformed.
err-malformed-json = The body is not valid JSON.
err-json-type = This value has the wrong type.
err-slug-taken = This short name is already used.
err-email-taken = An account with this e-mail already exists.
err-unknown-role = Unknown role: use admin, caseworker, storekeeper or viewer.
err-no-such-user = No account has this e-mail.
err-no-such-org = No organisation has this short name.
err-not-a-member = This user is not a member of this organisation.
err-role-above-membership = A token cannot have a higher role than its user.
err-last-admin = An organisation must keep at least one administrator.
err-wrong-password = The current password is wrong.
err-unknown-region = Unknown region.
err-not-a-caseworker = Choose a caseworker or administrator of this organisation.
err-unknown-case = Unknown case.
err-met-above-quantity = The quantity provided cannot exceed the quantity needed.
err-no-consent = The household has not consented to sharing; keep this need private.
err-summary-identifies = The public summary must not contain the household's name, phone or id number.
err-bad-credentials = Wrong e-mail or password.
err-unknown-language = Unknown language.

sector-food = Food
sector-shelter = Shelter
sector-health = Health
sector-wash = Water, sanitation and hygiene
sector-education = Education
sector-protection = Protection
sector-cash = Cash
sector-nfi = Non-food items
sector-livelihoods = Livelihoods
sector-psychosocial = Psychosocial support

vuln-elderly = Elderly person
vuln-disability = Person with disability
vuln-chronic-illness = Chronic illness
vuln-pregnant-lactating = Pregnant or breastfeeding
vuln-female-headed = Female-headed household
vuln-child-headed = Child-headed household
vuln-unaccompanied-minor = Unaccompanied minor
vuln-displaced = Displaced
vuln-injured = Injured
vuln-orphan = Orphan

urgency-low = Low
urgency-medium = Medium
urgency-high = High
urgency-critical = Critical

case-status-open = Open
case-status-closed = Closed

need-status-open = Open
need-status-partly-met = Partly met
need-status-met = Met
need-status-cancelled = Cancelled

visibility-private = This organisation only
visibility-network = Member charities
visibility-public = Public

role-admin = Administrator
role-caseworker = Caseworker
role-storekeeper = Storekeeper
role-viewer = Viewer

field-admin-email = First administrator's e-mail
field-admin-email-hint = Optional: an existing account that becomes the organisation's administrator.
err-conflict = Someone else changed this at the same moment. Reload and try again.
err-already-member = This person is already a member; change their role in the list above.

err-currency = Enter a three-letter currency code such as USD, EUR or ILS.
err-item-in-use = This item already has stock movements; its kind and unit cannot change.
err-insufficient-stock = Not enough stock: the warehouse does not hold this quantity of the item.
err-stock-reserved = Part of this stock is reserved by an offer; withdraw the offer or distribute less.
err-zero = The quantity cannot be zero.
err-expiry-past = The expiry date is in the past; record expired stock as a loss instead.
err-lot-expiry-mismatch = This lot is already held with another expiry date.
err-same-warehouse = Choose a different warehouse to transfer to.
err-unknown-item = Unknown item.
err-unknown-warehouse = Unknown warehouse.
err-date-in-future = This date is in the future.
err-date-past = This date is in the past.
err-not-a-member-here = Choose a member of this organisation.
err-case-closed = This case is closed; reopen it first.
err-unknown-need = Unknown need.
err-need-of-other-case = This need belongs to another household.
err-need-cancelled = This need is cancelled.
err-no-lines = Add at least one item.
err-exceeds-need = This is more than the need still requires; change the need first.
err-no-cases = Select at least one household.
err-too-many = Too many at once: select at most 1000.
err-already-reversed = This distribution has already been reversed.
err-offer-above-free = The offer is larger than the free stock (on hand minus other offers).
err-offer-not-active = This offer is no longer active.
err-month = Enter a month as year-month, e.g. 2026-11.

report-month = Month
report-received = Received
report-distributed = Distributed
report-transferred-out = Transferred out
report-lost = Lost
report-adjusted = Adjusted
