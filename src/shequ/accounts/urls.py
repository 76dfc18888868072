from django.urls import path

from shequ.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("resident/login/", views.resident_login, name="resident_login"),
    path("resident/code/", views.resident_code_login, name="resident_code_login"),
    path("resident/register/", views.resident_register, name="resident_register"),
    path("sms-code/", views.send_sms_code, name="send_sms_code"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
