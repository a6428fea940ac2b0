import { cliContext, requireLocalKafka } from '../../../../../local/tools/cli/context';
import { UsageError } from '../../../../../local/tools/cli/errors';
import { RESULTS_USAGE } from '../../../../../local/tools/cli/results';
import { run } from '../../../../../local/tools/cli/main';
import type { LocalState } from '../../../../../local/state';
import { recordingIo as io } from '../../../../support/cli-io';

const state: LocalState = {
  url: 'http://127.0.0.1:3999',
  kafkaBrokers: '127.0.0.1:40000',
  dynamodbEndpoint: 'http://127.0.0.1:40001',
  pid: 1,
  onFailureFile: '/tmp/x.jsonl',
};

describe('fluxo CLI context', () => {
  it('uses the running local stack when FLUXO_URL is unset', () => {
    // Act
    const context = cliContext(io(), () => state);

    // Assess
    expect(context).toMatchObject({ url: 'http://127.0.0.1:3999', kafkaBrokers: '127.0.0.1:40000', local: true, state });
  });

  it('prefers FLUXO_URL and FLUXO_API_KEY, and ignores the local stack for a deployed API', () => {
    // Act
    const context = cliContext(
      io({ FLUXO_URL: 'https://abc.execute-api.us-east-1.amazonaws.com/sandbox/', FLUXO_API_KEY: 'k' }),
      () => state,
    );

    // Assess
    expect(context).toMatchObject({
      url: 'https://abc.execute-api.us-east-1.amazonaws.com/sandbox',
      apiKey: 'k',
      local: false,
      kafkaBrokers: undefined,
      state: undefined,
    });
    expect(() => requireLocalKafka(context, '`fluxo tail`')).toThrow(/not supported on a deployed API/);
  });

  it('ignores the record of a local stack serving another URL', () => {
    // Act
    const context = cliContext(io({ FLUXO_URL: 'http://127.0.0.1:4000' }), () => state);

    // Assess
    expect(context).toMatchObject({ url: 'http://127.0.0.1:4000', local: true, kafkaBrokers: undefined, state: undefined });
  });

  it('defaults to http://127.0.0.1:3000 and asks for npm start when no local Kafka is known', () => {
    // Act
    const context = cliContext(io(), () => undefined);

    // Assess
    expect(context.url).toBe('http://127.0.0.1:3000');
    expect(() => requireLocalKafka(context, '`fluxo tail`')).toThrow(UsageError);
    expect(() => requireLocalKafka(context, '`fluxo tail`')).toThrow(/npm start/);
  });

  it('rejects a FLUXO_URL that is not an http(s) URL', () => {
    // Act / Assess
    expect(() => cliContext(io({ FLUXO_URL: 'not a url' }), () => undefined)).toThrow(UsageError);
    expect(() => cliContext(io({ FLUXO_URL: 'ftp://x' }), () => undefined)).toThrow(/must be http/);
  });
});

describe('fluxo command line', () => {
  it.each([
    [['bogus'], 'fluxo: unknown command "bogus" (see fluxo --help)\n'],
    [['results'], `fluxo: ${RESULTS_USAGE}\n`],
    [['results', 'h', '--top', '0'], 'fluxo: --top must be a whole number from 1 to 1000 (got "0")\n'],
    [
      ['results', 'h', '--top', '3', '--at', 'yesterday'],
      'fluxo: --at must be an ISO 8601 date-time with a zone (2026-11-29T21:45:00Z) or epoch milliseconds (got "yesterday")\n',
    ],
    [
      ['results', 'h', '--top', '3', '--at', '2026-11-29T21:45:00'],
      'fluxo: --at must be an ISO 8601 date-time with a zone (2026-11-29T21:45:00Z) or epoch milliseconds (got "2026-11-29T21:45:00")\n',
    ],
    [['results', 'h', '--at', '1764452700000'], 'fluxo: --at needs --top or --trending\n'],
    [
      ['results', 'h', '--top', '3', '--at', '1764452700000', '--from', '0'],
      'fluxo: --from cannot be used with --at (--at picks the window)\n',
    ],
    [['results', 'h', '--baseline', '2'], 'fluxo: --baseline needs --trending\n'],
    [['results', 'h', '--trending', '--key', 'kafka'], 'fluxo: --key cannot be used with --trending\n'],
    [['results', 'h', '--trending', '--baseline', '13'], 'fluxo: --baseline must be a whole number from 1 to 12 (got "13")\n'],
    [['results', 'h', '--trending', '--min-count', '1.5'], 'fluxo: --min-count must be a whole number from 1 to 1000000 (got "1.5")\n'],
    [['load', 'health', '--breakout', 'kafka'], 'fluxo: --breakout: only tweets can plant a break-out, not health\n'],
    [
      ['load', 'tweets', '--breakout', '#kafka'],
      'fluxo: --breakout must be a hashtag without "#" (letters, digits, _) or none (got "#kafka")\n',
    ],
    [
      ['load', 'tweets', '--breakout-at', 'soon'],
      'fluxo: --breakout-at must be a number of minutes into the run, 0 or more (got "soon")\n',
    ],
    [['load', 'tweets', '--breakout', 'none', '--breakout-at', '1'], 'fluxo: --breakout-at cannot be used with --breakout none\n'],
    [
      ['load', 'tweets', '--duration', '60', '--breakout-at', '1'],
      'fluxo: --breakout-at must be a minute of the run, from 0 to less than its 1 minute(s) (got 1)\n',
    ],
    [
      ['load', 'tweets', '--breakout', 'nope'],
      expect.stringMatching(/^fluxo: --breakout must be one of the generated hashtags \(kafka, streaming, .*\); got "nope"\n$/),
    ],
    [['topics', 'extra'], 'fluxo: unexpected argument "extra"; usage: fluxo topics [create NAME --partitions N]\n'],
    [['topics', 'create', 'bad name!'], 'fluxo: topic name must be 1 to 249 of [a-zA-Z0-9._-] (got "bad name!")\n'],
  ])('answers %j with one usage line and exit code 2', async (argv, message) => {
    // Prepare
    const streams = io({ FLUXO_URL: 'http://127.0.0.1:1' });

    // Act
    const code = await run(argv, streams);

    // Assess
    expect(code).toBe(2);
    expect(streams.err).toEqual([message]);
  });

  it('prints the help with exit code 0 when asked, 2 when no command is given', async () => {
    // Prepare
    const asked = io();
    const bare = io();

    // Act
    const codes = [await run(['--help'], asked), await run([], bare)];

    // Assess
    expect(codes).toEqual([0, 2]);
    expect(asked.out.join('')).toContain('usage: fluxo <command>');
  });
});
