// Fixture: a file beside imported.ts that no function imports, so the CLI never mounts it.
export const notImported = "never mounted";
