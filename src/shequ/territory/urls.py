from django.urls import path

from shequ.territory import views

app_name = "territory"
# "search/" and "grids/…" come before "<code>/": a code is validated in the query, not the route,
# so that a malformed one answers 404 from the same place as an unknown one.
urlpatterns = [
    path("", views.browser, name="browser"),
    path("search/", views.search, name="search"),
    path("grids/<str:grid_code>/", views.grid, name="grid"),
    path("<str:code>/", views.region, name="region"),
    path("<str:code>/children/", views.children, name="children"),
]
