// Fixture: a file outside the fixtures' functions folder that the `mounted` fixture imports, so the CLI's import walk mounts it.
export const imported = "mounted because an import reaches it";
