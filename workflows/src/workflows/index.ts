/** Every workflow the worker registers: the bundle's entry point (`workflowsPath`). */
export { organizationBootstrapWorkflow } from "./organization-bootstrap.ts";
export { organizationDeactivateWorkflow } from "./organization-deactivate.ts";
export { reconcileBootstrapsWorkflow } from "./reconcile-bootstraps.ts";
