// ESLint flat config. Two rules matter most here, both from Temporal's own samples:
// workflow code must stay deterministic (so it may import only what runs in the workflow sandbox),
// and a forgotten `await` on an activity or workflow API silently breaks ordering.
import tseslint from "typescript-eslint";

const WORKFLOW_IMPORTS_MESSAGE =
  "Workflow code runs in Temporal's deterministic sandbox: import only @temporalio/workflow, " +
  "@org-bootstrap/shared/* and files in this folder; anything else (activities, Node) only with `import type`.";

export default tseslint.config(
  { ignores: ["**/node_modules/**", ".local/**", "**/dist/**"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    // Type-aware rules need the program: only where they are used, to keep `npm run lint` fast.
    files: ["workflows/src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    files: ["workflows/src/workflows/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // Everything except the sandbox-safe modules; the lookahead lists what is allowed.
              regex: "^(?!@temporalio/workflow$|@org-bootstrap/shared/|\\./[^/]+$)",
              allowTypeImports: true,
              message: WORKFLOW_IMPORTS_MESSAGE,
            },
          ],
        },
      ],
    },
  },
);
