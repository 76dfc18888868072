from django.urls import path

from shequ.registry import views
from shequ.registry.views import duplicates, imports, own, rentals, rights

app_name = "registry"
urlpatterns = [
    path("", views.residents, name="residents"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("households/<int:household_id>/members/new/", views.member_add, name="member_add"),
    path("households/<int:household_id>/head/", views.change_head, name="change_head"),
    path("residents/<int:resident_id>/", views.resident, name="resident"),
    path("residents/<int:resident_id>/reveal/", views.reveal, name="reveal"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:resident_id>/care-groups/new/", views.care_tag_new, name="care_tag_new"),
    path("residents/<int:resident_id>/move/", views.member_move, name="member_move"),
    path("residents/<int:resident_id>/departure/", views.departure, name="departure"),
    path("care-groups/<int:tag_id>/end/", views.care_tag_end, name="care_tag_end"),
    path("export/", views.export, name="export"),
    path("statistics/", views.statistics_home, name="statistics_home"),
    path("statistics/<str:code>/", views.statistics_view, name="statistics"),
]

# --- imports (spreadsheet import) ---
urlpatterns += [
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/template.xlsx", imports.import_template_xlsx, name="import_template_xlsx"),
    path("imports/template.csv", imports.import_template_csv, name="import_template_csv"),
    path("imports/<int:job_id>/", imports.import_job, name="import_job"),
    path("imports/<int:job_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:job_id>/errors.csv", imports.import_errors, name="import_errors"),
    path("imports/<int:job_id>/start/", imports.import_start, name="import_start"),
    path("imports/<int:job_id>/cancel/", imports.import_cancel, name="import_cancel"),
    path("imports/<int:job_id>/resume/", imports.import_resume, name="import_resume"),
]

# --- duplicates (review queue) ---
urlpatterns += [
    path("duplicates/", duplicates.duplicate_list, name="duplicate_list"),
    path("duplicates/history/", duplicates.duplicate_history, name="duplicate_history"),
    path("duplicates/<int:candidate_id>/", duplicates.duplicate_detail, name="duplicate_detail"),
    path(
        "duplicates/<int:candidate_id>/merge/", duplicates.duplicate_merge, name="duplicate_merge"
    ),
    path(
        "duplicates/<int:candidate_id>/dismiss/",
        duplicates.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
]

# --- rentals ---
urlpatterns += [
    path("rentals/", rentals.rental_list, name="rentals"),
    path("rentals/new/", rentals.rental_new, name="rental_new"),
    path("rentals/<int:rental_id>/", rentals.rental, name="rental"),
    path("rentals/<int:rental_id>/tenants/new/", rentals.tenant_new, name="tenant_new"),
    path("rentals/<int:rental_id>/end/", rentals.rental_end, name="rental_end"),
    path("tenancies/<int:tenancy_id>/end/", rentals.tenancy_end, name="tenancy_end"),
]

# --- the resident's own pages (me/) and staff handling of rights requests (rights/) ---
urlpatterns += [
    path("me/", own.own_record, name="own"),
    path("me/link/", own.own_link, name="own_link"),
    path("me/household/", own.own_household, name="own_household"),
    path("me/consents/", own.own_consents, name="own_consents"),
    path("me/requests/", own.own_requests, name="own_requests"),
    path("me/requests/new/", own.own_request_new, name="own_request_new"),
    path("me/requests/<int:request_id>/", own.own_request, name="own_request"),
    path(
        "me/requests/<int:request_id>/withdraw/",
        own.own_request_withdraw,
        name="own_request_withdraw",
    ),
    path("me/requests/<int:request_id>/copy/", own.own_copy, name="own_copy"),
    path("rights/", rights.rights_queue, name="rights_queue"),
    path("rights/<int:request_id>/", rights.rights_request, name="rights_request"),
    path(
        "rights/residents/<int:resident_id>/new/",
        rights.rights_request_new,
        name="rights_request_new",
    ),
    path(
        "rights/residents/<int:resident_id>/account/",
        rights.resident_account,
        name="resident_account",
    ),
    path(
        "rights/residents/<int:resident_id>/consents/",
        rights.resident_consent,
        name="resident_consent",
    ),
]
