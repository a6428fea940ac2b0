// The import boundaries of fluxo's tree (README "Architecture"), checked by `npm run lint`.
// Imports only go down: core <- lambdas/clients <- lambdas/<fn>; core <- lib; core, lambdas <-
// local/emulation <- local/tools <- local/*.ts (the composition root); bench/ and test/ may import
// anything and nothing imports them. Type-only imports count: a circle of types is still a circle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle (type-only included) means two modules are one responsibility, or one of them is in the wrong place.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'core/ is the pure domain and the API contract: no I/O adapter, no AWS SDK, no runtime; of npm packages only TypeBox (the API schemas) and the aws-lambda types.',
      from: { path: '^core/' },
      to: { pathNot: ['^core/', '^node_modules/(@types/aws-lambda|@sinclair/typebox)/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-no-node-io',
      severity: 'error',
      comment: 'core/ does no I/O: no fs, net, http, child_process or worker_threads.',
      from: { path: '^core/' },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|worker_threads|dgram|tls)$' },
    },
    {
      name: 'pipeline-reads-core-only',
      severity: 'error',
      comment: 'pipeline.ts is the spec a user edits: it declares, with the spec language of core/.',
      from: { path: '^pipeline\\.ts$' },
      to: { pathNot: '^core/' },
    },
    {
      name: 'clients-read-core-only',
      severity: 'error',
      comment: 'lambdas/clients holds the I/O adapters (Kafka, DynamoDB): they read core/ and npm packages, never a handler.',
      from: { path: '^lambdas/clients/' },
      to: { path: '^(lambdas/(?!clients/)|lib/|local/|bin/|scripts/|pipeline\\.ts)' },
    },
    {
      name: 'handlers-not-each-other',
      severity: 'error',
      comment: 'A Lambda folder holds one function: what two handlers share belongs in core/ or lambdas/clients.',
      from: { path: '^lambdas/([^/]+)/', pathNot: '^lambdas/clients/' },
      to: { path: '^lambdas/([^/]+)/', pathNot: ['^lambdas/$1/', '^lambdas/clients/'] },
    },
    {
      name: 'lambdas-not-lib-or-local',
      severity: 'error',
      comment: 'The Lambdas run on AWS: they never read the CDK app or the local stack.',
      from: { path: '^lambdas/' },
      to: { path: '^(lib|local|bin|scripts)/' },
    },
    {
      name: 'lib-not-runtime-code',
      severity: 'error',
      comment: 'The CDK app reads the spec and the deployment description in core/; handlers reach it only as NodejsFunction entry paths.',
      from: { path: '^lib/' },
      to: { path: '^(lambdas|local|scripts)/' },
    },
    {
      name: 'emulation-not-tools',
      severity: 'error',
      comment:
        "local/emulation is AWS's stand-in (Lambda runtime, API Gateway, event source mappings, services); the tools use it, not the other way.",
      from: { path: '^local/emulation/' },
      to: { path: '^(local/tools/|local/[^/]+\\.ts$|lib/)' },
    },
    {
      name: 'tools-not-composition-root',
      severity: 'error',
      comment: 'local/tools (CLI, scenarios, dashboard) never start the stack themselves through local/start or local/stack.',
      from: { path: '^local/tools/' },
      to: { path: '^(local/(start|stack|banner)\\.ts$|lib/)' },
    },
    {
      name: 'local-runs-handlers-as-bundles',
      severity: 'error',
      comment:
        'The local stack runs each handler as its bundle in a worker thread, as Lambda runs it: local code never imports a handler (types of the API come from core/api).',
      from: { path: '^local/' },
      to: { path: '^lambdas/(?!clients/)' },
    },
    {
      name: 'tools-share-through-their-own-modules',
      severity: 'error',
      comment:
        'The scenarios and the dashboard are tools beside the CLI, not parts of it: what they share with it (the API client) sits in local/tools/.',
      from: { path: '^local/tools/(scenarios|dashboard)/' },
      to: { path: '^local/tools/cli/' },
    },
    {
      name: 'nothing-imports-bench-or-test',
      severity: 'error',
      comment: 'bench/ and test/ may import anything; product code never imports them.',
      from: { pathNot: '^(bench|test)/' },
      to: { path: '^(bench|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|\\.fluxo|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
