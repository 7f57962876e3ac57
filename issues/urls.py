from django.urls import path

from issues import feeds
from issues.views import discussion, following, moderation, raising

app_name = "issues"

urlpatterns = [
    path("", discussion.issue_list, name="list"),
    path("new/", raising.issue_raise, name="raise"),
    path("new/receipt/", raising.issue_receipt, name="receipt"),
    path("similar/", raising.issue_similar, name="similar"),
    path("follow/", following.issue_follow, name="follow"),
    path("follow/update/", following.issue_follow_update, name="follow_update"),
    path("feed/<str:token>/", feeds.IssueStoryFeed(), name="feed"),
    path("<int:pk>/", discussion.issue_detail, name="detail"),
    path("<int:pk>/similar/", discussion.issue_similar_to, name="similar_to"),
    path("<int:pk>/edit/", discussion.issue_edit, name="edit"),
    path("<int:pk>/support/", discussion.issue_support, name="support"),
    path("<int:pk>/follow/", discussion.issue_follow_toggle, name="follow_issue"),
    path("<int:pk>/comments/", discussion.comment_post, name="comment"),
    path("<int:pk>/manage/", moderation.issue_manage, name="manage"),
    path("<int:pk>/status/", moderation.issue_set_status, name="set_status"),
    path("<int:pk>/merge/", moderation.issue_merge, name="merge"),
    path("<int:pk>/hide/", moderation.issue_hide, name="hide"),
    path("comments/<int:pk>/hide/", moderation.comment_hide, name="comment_hide"),
]
