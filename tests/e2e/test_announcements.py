"""Messages that arrive with a page are put into the live region after it loads, so screen
readers announce them (a live region only speaks about changes)."""

from tests.e2e.conftest import login

RECORD_MESSAGES = """
window.__messagesAdded = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.id !== "messages") continue;
    for (const node of change.addedNodes) {
      window.__messagesAdded.push({text: node.textContent.trim(), state: document.readyState});
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_a_message_shown_with_the_page_is_added_to_the_live_region_after_loading(
    new_page, live_server, forum, member
):
    page = new_page()
    page.context.add_init_script(RECORD_MESSAGES)

    login(page, live_server, member, next_url=f"/f/{forum.slug}/")
    page.wait_for_function(
        "() => window.__messagesAdded.some("
        "m => m.state !== 'loading' && m.text.includes('signed in'))"
    )

    assert "Successfully signed in" in page.get_by_role("status").inner_text()
