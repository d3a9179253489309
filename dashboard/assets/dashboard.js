// Progressive enhancement only: every page works without this file. It adds the "Copy"
// buttons of secrets shown once.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copied");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Copied to the clipboard.";
  } catch (_) {
    // No clipboard permission (e.g. plain http on another host): the text stays selected.
    if (status) status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
  }
});
