// @ts-check
/**
 * The try-it page: a frontend as small as it gets, using only supabase-js (window.supabase, the UMD
 * build). It does what a product frontend does:
 *   0. sign in with Supabase Auth (supabase.auth.signInWithPassword); supabase-js keeps the session,
 *      refreshes it, and sends its access token on functions, REST and Realtime alike,
 *   1. subscribe to the projections over Realtime with the user's token, and wait until the server
 *      says the subscription is live (its system message, which follows SUBSCRIBED),
 *   2. invoke the edge function with the form (and an Idempotency-Key, so a retry is harmless),
 *   3. read the organization once over REST (Realtime keeps no replay: anything that changed
 *      before the subscription or while it was down is only in the table), then apply changes
 *      as they arrive,
 *   4. offer "Deactivate" on the active organization: a second trigger (organization-deactivate),
 *      followed on the same projection rows.
 * The local stack prefills the sign-in form with its demo admin (/_stack/demo-credentials).
 */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} url */
async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

const config = await getJson("/_stack/try-config");
// @ts-expect-error window.supabase comes from /vendor/supabase.js
const client = window.supabase.createClient(config.supabaseUrl, config.anonKey);
if (config.temporalUiUrl) $("temporal-ui").innerHTML = `<a href="${config.temporalUiUrl}" target="_blank" rel="noopener">Temporal Web UI</a>`;

/** The local stack's demo admin, if `npm start` made one (a real project has no such thing). */
async function prefillDemoAdmin() {
  const response = await fetch("/_stack/demo-credentials");
  if (!response.ok) return;
  const demo = await response.json();
  /** @type {HTMLInputElement} */ ($("sign-in-email")).value = demo.email;
  /** @type {HTMLInputElement} */ ($("sign-in-password")).value = demo.password;
  $("sign-in-hint").textContent = "Prefilled with the local stack's demo platform admin.";
}

/** Shows the workspace for the signed-in user; called once, when a session exists. @param {any} session */
async function enterWorkspace(session) {
  $("sign-in-form").hidden = true;
  $("who").textContent = session.user.email;
  $("signed-in").hidden = false;
  $("workspace").hidden = false;
  await subscribe();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = /** @type {HTMLButtonElement} */ ($("sign-in-submit"));
  submit.disabled = true;
  $("sign-in-error").hidden = true;
  const { data, error } = await client.auth.signInWithPassword({
    email: /** @type {HTMLInputElement} */ ($("sign-in-email")).value,
    password: /** @type {HTMLInputElement} */ ($("sign-in-password")).value,
  });
  submit.disabled = false;
  if (error) {
    $("sign-in-error").textContent = error.code ? `${error.code}: ${error.message}` : error.message;
    $("sign-in-error").hidden = false;
    return;
  }
  await enterWorkspace(data.session);
});

$("sign-out").addEventListener("click", async () => {
  await client.removeAllChannels();
  await client.auth.signOut();
  location.reload();
});

/** What the page follows: the organization of the last request, and each row's newest version. */
const watch = {
  /** @type {string | null} */ organizationId: null,
  /** @type {Array<{table: string, eventType: string, row: any}>} */ early: [],
  /** @type {Map<string, number>} */ seen: new Map(),
  /** @type {Map<string, any>} */ rows: new Map(),
  done: false,
};

/** @param {string} text */
function logChange(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toISOString().slice(11, 23)} ${text}`;
  $("timeline").append(item);
}

/** @param {any} org */
function renderOrganization(org) {
  const status = $("org-status");
  status.textContent = org.status;
  status.className = `badge ${org.status}`;
  const details = [`${org.name} · ${org.subdomain}`];
  if (org.subdomain_provisioned_at) details.push("subdomain provisioned");
  if (org.failure_reason) details.push(`failed: ${org.failure_reason}`);
  $("org-detail").textContent = details.join(" · ");
  if (org.bootstrap_started_by) {
    $("started-by").textContent = { edge: "the edge function (direct path)", realtime: "the reconciler, over Realtime", sweep: "the reconciler's sweep" }[org.bootstrap_started_by] ?? org.bootstrap_started_by;
    $("started-by").className = "";
  }
  if ((org.status === "active" || org.status === "failed") && !watch.done) {
    watch.done = true;
    $("again").hidden = false;
  }
  // Offered on an active organization nobody has asked to deactivate yet.
  $("deactivate").hidden = !(org.status === "active" && !org.deactivation_requested_at);
  if (org.deactivation_requested_at) {
    const by = org.deactivation_started_by ? `, workflow started by ${org.deactivation_started_by}` : "";
    $("deactivation-status").textContent = org.status === "deactivated" ? `done: ${org.deactivation_reason}` : `requested${by}`;
    $("deactivation-status").className = "";
  }
}

/** @param {any} invitation */
function renderInvitation(invitation) {
  const id = `invitation-${invitation.id}`;
  let item = document.getElementById(id);
  if (!item) {
    item = document.createElement("li");
    item.id = id;
    $("invitations").append(item);
  }
  item.textContent = `${invitation.email}: ${invitation.status}`;
}

/**
 * Applies one row of either projection if it belongs to the followed organization and is not older
 * than what is shown (the REST read and Realtime can deliver the same version, in either order).
 * @param {string} table @param {any} row @param {string} source
 */
function apply(table, row, source) {
  const organizationId = table === "organizations_projection" ? row.id : row.organization_id;
  if (!row.updated_at || organizationId !== watch.organizationId) return;
  // Compared as instants: REST and Realtime may format the same timestamptz differently.
  const key = `${table}:${row.id}`;
  const updatedAt = Date.parse(row.updated_at);
  if ((watch.seen.get(key) ?? -Infinity) > updatedAt) return;
  watch.seen.set(key, updatedAt);
  const before = watch.rows.get(key);
  watch.rows.set(key, row);
  if (table === "organizations_projection") renderOrganization(row);
  else renderInvitation(row);
  if (source !== "rest") logChange(`${describe(table, before, row)} (${source})`);
}

/** One line for a change: what moved, from the previous version the page had. @param {string} table @param {any} before @param {any} row */
function describe(table, before, row) {
  if (table === "invitations_projection") return `invitation ${row.email} → ${row.status}`;
  if (before && before.status === row.status) {
    if (row.deactivation_started_by && !before.deactivation_started_by) return `organization: deactivation workflow started by ${row.deactivation_started_by}`;
    if (row.deactivation_requested_at && !before.deactivation_requested_at) return "organization: deactivation requested";
    if (row.bootstrap_started_by && !before.bootstrap_started_by) return `organization: workflow started by ${row.bootstrap_started_by}`;
    if (row.subdomain_provisioned_at && !before.subdomain_provisioned_at) return `organization: subdomain ${row.subdomain} provisioned`;
  }
  return `organization → ${row.status}`;
}

/** @param {{ eventType: string, table: string, new: any }} change */
function onChange(change) {
  if (change.eventType === "DELETE") return;
  if (watch.organizationId === null) {
    // The answer of the request is not back yet: keep what arrives until the organization id is known.
    if (watch.early.length < 500) watch.early.push({ table: change.table, eventType: change.eventType, row: change.new });
    return;
  }
  apply(change.table, change.new, change.eventType);
}

/** Everything about the followed organization as it is now (after a response, and after every resubscribe). */
async function catchUp() {
  const id = watch.organizationId;
  if (!id) return;
  const [org, invitations] = await Promise.all([
    client.from("organizations_projection").select("*").eq("id", id).maybeSingle(),
    client.from("invitations_projection").select("*").eq("organization_id", id).order("email"),
  ]);
  if (org.data) apply("organizations_projection", org.data, "rest");
  for (const invitation of invitations.data ?? []) apply("invitations_projection", invitation, "rest");
}

// 1. Subscribe first, with the user's token: RLS lets platform admins see the projections' rows.
let subscribedOnce = false;
async function subscribe() {
  // supabase-js gives Realtime the session's access token, and the new one after each refresh.
  await client.realtime.setAuth();
  client
    .channel("bootstrap-progress")
    .on("postgres_changes", { event: "*", schema: "public", table: "organizations_projection" }, onChange)
    .on("postgres_changes", { event: "*", schema: "public", table: "invitations_projection" }, onChange)
    // SUBSCRIBED only means the join was answered: the server makes the subscription afterwards and
    // says so (or why it refused) in a system message. Changes before that are only in the tables.
    .on("system", {}, (/** @type {{ extension?: string, status?: string, message?: string }} */ payload) => {
      if (payload.extension !== "postgres_changes") return;
      if (payload.status !== "ok") {
        $("realtime-status").textContent = `refused: ${payload.message ?? "no reason given"}`;
        return;
      }
      $("realtime-status").textContent = "subscribed";
      if (subscribedOnce) void catchUp(); // back after a drop: what changed meanwhile is only in the tables
      subscribedOnce = true;
      /** @type {HTMLButtonElement} */ ($("submit")).disabled = false;
    })
    .subscribe((/** @type {string} */ status, /** @type {Error | undefined} */ error) => {
      $("realtime-status").textContent = status === "SUBSCRIBED" ? "joined, waiting for the subscription" : `${status.toLowerCase()}${error ? `: ${error.message}` : ""}`;
    });
}

// 2. The form, sent the way the product's frontend sends it.
const form = /** @type {HTMLFormElement} */ ($("bootstrap-form"));
/** One key per form filled in: a double submit or a retry after a network error creates one organization. */
let idempotencyKey = crypto.randomUUID();
form.addEventListener("input", () => (idempotencyKey = crypto.randomUUID()));

/** The subdomain follows the name until the user types one. */
let subdomainTyped = false;
$("subdomain").addEventListener("input", () => (subdomainTyped = true));
$("name").addEventListener("input", () => {
  if (subdomainTyped) return;
  const name = /** @type {HTMLInputElement} */ ($("name")).value;
  /** @type {HTMLInputElement} */ ($("subdomain")).value = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
});

/** @param {string} message @param {Array<{path: string, message: string}>} [issues] */
function showError(message, issues = []) {
  $("error").textContent = message;
  $("error").hidden = false;
  for (const issue of issues) {
    const field = issue.path.split(".")[0] ?? "";
    const slot = form.querySelector(`[data-for="${field}"]`);
    if (slot) slot.textContent = `${issue.path}: ${issue.message}`;
    form.querySelector(`[name="${field}"]`)?.setAttribute("aria-invalid", "true");
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = /** @type {HTMLButtonElement} */ ($("submit"));
  submit.disabled = true;
  $("error").hidden = true;
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  const value = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value;
  const body = {
    name: value("name"),
    subdomain: value("subdomain"),
    contactEmail: value("contactEmail"),
    admins: value("admins").split("\n").map((line) => line.trim()).filter(Boolean).map((email) => ({ email })),
  };

  const { data, error, response } = await client.functions.invoke(config.functionName, { body, headers: { "Idempotency-Key": idempotencyKey } });
  if (error) {
    // 4xx: { error: { code, message, issues? } } (docs/frontend.md); anything else has no such body.
    const answer = error.context instanceof Response ? await error.context.json().catch(() => null) : null;
    showError(answer?.error ? `${answer.error.code}: ${answer.error.message}` : error.message, answer?.error?.issues);
    submit.disabled = false;
    return;
  }

  // 3. Follow the organization: what Realtime delivered meanwhile, then the tables as they are now.
  watch.organizationId = data.organizationId;
  $("progress").hidden = false;
  $("request-status").textContent =
    response.status === 200 ? "200: the edge function started the workflow" : "202: recorded; the reconciler will start the workflow";
  const link = /** @type {HTMLAnchorElement} */ ($("workflow-link"));
  link.textContent = data.workflowId;
  const url = data.workflowUrl ?? (config.temporalUiUrl ? `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(data.workflowId)}` : null);
  if (url) link.href = url;
  for (const change of watch.early.splice(0)) apply(change.table, change.row, change.eventType);
  await catchUp();
});

// 4. Deactivate the followed organization: another trigger, followed on the same rows over Realtime.
$("deactivate").addEventListener("click", async () => {
  const button = /** @type {HTMLButtonElement} */ ($("deactivate"));
  button.disabled = true;
  $("error").hidden = true;
  const { data, error, response } = await client.functions.invoke(config.deactivateFunctionName, {
    body: { organizationId: watch.organizationId, reason: "Deactivated from the try-it page" },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (error) {
    const answer = error.context instanceof Response ? await error.context.json().catch(() => null) : null;
    showError(answer?.error ? `${answer.error.code}: ${answer.error.message}` : error.message);
    button.disabled = false;
    return;
  }
  // The projection's own word (over Realtime) may have come first: it is the fresher one.
  if ($("deactivation-status").className === "muted") {
    $("deactivation-status").textContent = response.status === 200 ? `${data.workflowId} started by the edge function` : "recorded; the reconciler will start the workflow";
    $("deactivation-status").className = "";
  }
  button.hidden = true;
  button.disabled = false;
});

$("again").addEventListener("click", () => {
  Object.assign(watch, { organizationId: null, early: [], seen: new Map(), rows: new Map(), done: false });
  form.reset();
  subdomainTyped = false;
  idempotencyKey = crypto.randomUUID();
  for (const id of ["invitations", "timeline"]) $(id).replaceChildren();
  $("org-status").textContent = "waiting";
  $("org-status").className = "badge";
  $("org-detail").textContent = "";
  $("started-by").textContent = "not yet recorded";
  $("started-by").className = "muted";
  $("deactivation-status").textContent = "not requested";
  $("deactivation-status").className = "muted";
  $("deactivate").hidden = true;
  $("again").hidden = true;
  $("progress").hidden = true;
  /** @type {HTMLButtonElement} */ ($("submit")).disabled = false;
});

// 0. A session kept from an earlier visit goes straight to the workspace; otherwise, sign in.
const { data: { session: kept } } = await client.auth.getSession();
if (kept) {
  await enterWorkspace(kept);
} else {
  $("sign-in-form").hidden = false;
  $("realtime-status").textContent = "not connected (sign in first)";
  await prefillDemoAdmin();
}
