// End-to-end tier: the official `openai` npm client against a real batond, which forwards to the scripted
// fake upstream (fake_upstream/README.md). Everything runs on 127.0.0.1 with ephemeral ports.
//
//   cd tests/e2e && npm ci && BATON_BIN_DIR=../../build node --test --test-reporter=spec openai_client.test.mjs
//
// Synchronisation is by events only (a child's "listening" line, a finished HTTP exchange, the fake
// upstream's /_control/wait), never by sleeping; every wait has a deadline.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// A missing node_modules must fail loudly, with the fix in the message.
let openai;
try {
    openai = await import('openai');
} catch (err) {
    throw new Error(
        `cannot load the 'openai' npm package (${err.message}).\n` +
            `Install the e2e dependencies first: (cd ${here} && npm ci)  — scripts/test.sh does this when ` +
            `tests/e2e/node_modules is missing.`,
    );
}
const { default: OpenAI, APIError, NotFoundError, ConflictError, BadRequestError, toFile } = openai;

const BIN_DIR = path.resolve(process.env.BATON_BIN_DIR ?? path.join(here, '..', '..', 'build'));
const START_TIMEOUT_MS = 20_000; // a child's "listening" line
const STOP_TIMEOUT_MS = 10_000; // SIGTERM → exit, then SIGKILL
const CLIENT_TIMEOUT_MS = 15_000; // one OpenAI client call
const CONTROL_TIMEOUT_MS = 10_000; // one fake upstream control call
const TEST_TIMEOUT_MS = 30_000; // one whole test
const HOOK_TIMEOUT_MS = 60_000; // a suite's before()/after()

// ---------------------------------------------------------------------------------------------------------
// Child processes

/** A spawned binary whose stdout/stderr are collected and can be waited on line by line. */
class Child {
    constructor(name, bin, args, { cwd }) {
        if (!existsSync(bin)) {
            throw new Error(`${name}: ${bin} does not exist (build it: ninja -C <build dir> ${name}; ` +
                `BATON_BIN_DIR=${BIN_DIR})`);
        }
        this.name = name;
        this.output = { stdout: '', stderr: '' };
        this.exit = null; // {code, signal} once exited
        this.listeners = new Set(); // called on every output chunk and on exit
        this.exited = new Promise((resolve) => {
            this.proc = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
            this.proc.on('error', (err) => {
                this.output.stderr += `\n[spawn error: ${err.message}]\n`;
                this.exit ??= { code: null, signal: null, error: err };
                this.notify();
                resolve(this.exit);
            });
            this.proc.on('exit', (code, signal) => {
                this.exit ??= { code, signal };
                this.notify();
                resolve(this.exit);
            });
        });
        for (const stream of ['stdout', 'stderr']) {
            this.proc[stream].setEncoding('utf8');
            this.proc[stream].on('data', (chunk) => {
                this.output[stream] += chunk;
                this.notify();
            });
        }
    }

    notify() {
        for (const l of [...this.listeners]) l();
    }

    /**
     * Resolves with the first non-undefined `match(line)` over the complete lines of `stream` (past and
     * future). Rejects when the child exits first or at the deadline, with the child's output in the error.
     */
    waitForLine(stream, match, timeoutMs, what) {
        return new Promise((resolve, reject) => {
            let scanned = 0; // offset in output[stream] of the first line not yet looked at
            const finish = (fn, value) => {
                clearTimeout(timer);
                this.listeners.delete(check);
                fn(value);
            };
            const check = () => {
                const text = this.output[stream];
                let nl;
                while ((nl = text.indexOf('\n', scanned)) !== -1) {
                    const line = text.slice(scanned, nl);
                    scanned = nl + 1;
                    const m = match(line);
                    if (m !== undefined) return finish(resolve, m);
                }
                if (this.exit) {
                    finish(reject, new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before ${what}\n` +
                        this.describeOutput()));
                }
            };
            const timer = setTimeout(() => finish(reject, new Error(
                `${this.name}: no ${what} within ${timeoutMs} ms\n${this.describeOutput()}`)), timeoutMs);
            this.listeners.add(check);
            check();
        });
    }

    describeOutput(from = { stdout: 0, stderr: 0 }) {
        const part = (s) => this.output[s].slice(from[s]).trimEnd() || '(nothing)';
        const state = this.exit
            ? `exited: ${this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`}`
            : 'running';
        return `--- ${this.name} (pid ${this.proc.pid}, ${state}) stdout ---\n${part('stdout')}\n` +
            `--- ${this.name} stderr ---\n${part('stderr')}`;
    }

    mark() {
        return { stdout: this.output.stdout.length, stderr: this.output.stderr.length };
    }

    /** SIGTERM, then SIGKILL if it is still there at the deadline. */
    async stop() {
        if (this.exit) return this.exit;
        this.proc.kill('SIGTERM');
        let timer;
        const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS); });
        const r = await Promise.race([this.exited, timedOut]);
        clearTimeout(timer);
        if (r === 'timeout') {
            this.proc.kill('SIGKILL');
            await this.exited;
        }
        return this.exit;
    }
}

// Safety net: never leave a child behind if the runner tears this process down early (fake_upstream also
// gets --exit-with-parent; batond has no such option).
const allChildren = new Set();
const allDirs = new Set();
const killAll = () => {
    for (const c of allChildren) if (!c.exit) c.proc.kill('SIGKILL');
    for (const d of allDirs) rmSync(d, { recursive: true, force: true });
};
process.on('exit', killAll);
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
    process.once(signal, () => {
        killAll();
        process.exit(128 + number);
    });
}

function spawnChild(name, args, opts) {
    const c = new Child(name, path.join(BIN_DIR, name), args, opts);
    allChildren.add(c);
    return c;
}

/** One test world: a temp dir, its children, torn down in after(). */
class World {
    async init() {
        this.dir = await mkdtemp(path.join(tmpdir(), 'baton-e2e-'));
        allDirs.add(this.dir);
        this.children = [];
        return this;
    }

    async startFakeUpstream() {
        const child = spawnChild('fake_upstream', ['--listen', '127.0.0.1:0', '--exit-with-parent'], { cwd: this.dir });
        this.children.push(child);
        const port = await child.waitForLine('stdout', (line) => {
            const m = /^listening 127\.0\.0\.1:(\d+)\s*$/.exec(line);
            return m ? Number(m[1]) : undefined;
        }, START_TIMEOUT_MS, '"listening 127.0.0.1:PORT" line');
        return new FakeUpstream(child, port);
    }

    async startBatond(yaml) {
        const configPath = path.join(this.dir, 'baton.yaml');
        await writeFile(configPath, yaml);
        const child = spawnChild('batond', ['--config', configPath], { cwd: this.dir });
        this.children.push(child);
        const port = await child.waitForLine('stderr', (line) => {
            const event = parseLogLine(line);
            if (event?.event !== 'listening' || typeof event.address !== 'string') return undefined;
            const m = /^127\.0\.0\.1:(\d+)$/.exec(event.address);
            return m ? Number(m[1]) : undefined;
        }, START_TIMEOUT_MS, '{"event":"listening"} log line');
        return { child, port, baseURL: `http://127.0.0.1:${port}/v1` };
    }

    async close() {
        await Promise.all(this.children.map((c) => c.stop()));
        if (this.dir) {
            await rm(this.dir, { recursive: true, force: true });
            allDirs.delete(this.dir);
        }
    }
}

/** batond logs JSON lines, possibly prefixed by a syslog priority like "<6>". */
function parseLogLine(line) {
    try {
        const v = JSON.parse(line.replace(/^<\d{1,3}>/, ''));
        return v !== null && typeof v === 'object' ? v : undefined;
    } catch {
        return undefined;
    }
}

/** The control API of fake_upstream. */
class FakeUpstream {
    constructor(child, port) {
        this.child = child;
        this.port = port;
        this.origin = `http://127.0.0.1:${port}`;
    }

    apiBase(name) {
        return `${this.origin}/${name}/v1`;
    }

    async control(method, pathAndQuery, body) {
        const res = await fetch(this.origin + pathAndQuery, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
        });
        const text = await res.text();
        return { status: res.status, text, json: text ? JSON.parse(text) : null };
    }

    async reset() {
        const r = await this.control('POST', '/_control/reset');
        assert.equal(r.status, 200, `fake_upstream reset: ${r.text}`);
    }

    async script(name, script) {
        const r = await this.control('PUT', `/_control/scripts/${name}`, script);
        assert.equal(r.status, 200, `fake_upstream script for ${name}: ${r.text}`);
    }

    /** Every call recorded for `name`, after waiting (bounded) until there are at least `atLeast`. */
    async calls(name, atLeast = 0) {
        if (atLeast > 0) {
            const w = await this.control('GET', `/_control/wait?name=${name}&count=${atLeast}&timeout_ms=5000`);
            assert.equal(w.status, 200, `fake_upstream: fewer than ${atLeast} call(s) of ${name}: ${w.text}`);
        }
        const r = await this.control('GET', `/_control/calls?name=${name}`);
        assert.equal(r.status, 200, r.text);
        return r.json.calls;
    }
}

/**
 * test() with a deadline that, on failure, prints what the children wrote while the test ran (batond's
 * log lines are what explains a wrong answer).
 */
function e2eTest(name, children, fn) {
    test(name, { timeout: TEST_TIMEOUT_MS }, async (t) => {
        const live = children();
        const marks = live.map((c) => c.mark());
        try {
            await fn(t);
        } catch (err) {
            live.forEach((c, i) => t.diagnostic(c.describeOutput(marks[i])));
            throw err;
        }
    });
}

function client(baseURL) {
    return new OpenAI({ baseURL, apiKey: 'anything', maxRetries: 0, timeout: CLIENT_TIMEOUT_MS });
}

/** Reads a whole chat stream with the client's own iterator. */
async function collectStream(stream) {
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const deltas = chunks.flatMap((c) => c.choices ?? []).map((choice) => choice.delta ?? {});
    return {
        chunks,
        content: deltas.map((d) => d.content ?? '').join(''),
        roles: deltas.filter((d) => d.role !== undefined && d.role !== null).map((d) => d.role),
        finishReasons: chunks.flatMap((c) => c.choices ?? []).map((ch) => ch.finish_reason).filter((f) => f),
    };
}

const USER_TEXT = 'Say hello to the end-to-end tier.';

/** Polls a batch with the client until its status is one of `statuses` (every 20 ms, bounded). */
async function waitBatch(c, id, statuses, timeoutMs = 20_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const b = await c.batches.retrieve(id);
        if (statuses.includes(b.status)) return b;
        if (Date.now() > end) throw new Error(`batch ${id} still ${b.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20)); // polling interval, bounded by the deadline above
    }
}

// ---------------------------------------------------------------------------------------------------------
// batond in front of the fake upstream: group "chat" = deployment a (almost always picked), b (backup).

describe('batond with the openai client, fake upstream behind it', () => {
    let world;
    let fake;
    let baton;
    let openaiClient;

    before(async () => {
        world = await new World().init();
        fake = await world.startFakeUpstream();
        baton = await world.startBatond(`
model_list:
  - model_name: chat
    litellm_params: {model: openai/up-a, api_base: ${fake.apiBase('a')}, api_key: sk-test-a, weight: 1000000}
    model_info: {id: a}
  - model_name: chat
    litellm_params: {model: openai/up-b, api_base: ${fake.apiBase('b')}, api_key: sk-test-b, weight: 1}
    model_info: {id: b}
router_settings: {stream_failover: continue}
general_settings: {listen: 127.0.0.1:0, threads: 1, data_dir: ${path.join(world.dir, 'data')}}
`);
        openaiClient = client(baton.baseURL);
    }, { timeout: HOOK_TIMEOUT_MS });

    after(async () => {
        await world?.close();
    }, { timeout: HOOK_TIMEOUT_MS });

    const children = () => [baton?.child, fake?.child].filter(Boolean);

    e2eTest('non-streamed chat completion goes to the upstream with its own model and key', children, async () => {
        await fake.reset();
        const { data, response } = await openaiClient.chat.completions
            .create({ model: 'chat', messages: [{ role: 'user', content: USER_TEXT }] })
            .withResponse();

        assert.equal(data.object, 'chat.completion');
        assert.equal(data.choices.length, 1);
        assert.equal(data.choices[0].message.role, 'assistant');
        assert.equal(data.choices[0].message.content, 'ok from a');
        assert.equal(data.choices[0].finish_reason, 'stop');
        assert.equal(data.model, 'up-a', 'the answer carries the upstream\'s own model');

        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-baton-deployment-id'), 'a');
        assert.equal(response.headers.get('x-baton-model-group'), 'chat');
        assert.equal(response.headers.get('x-baton-resolved'), 'openai/up-a');
        assert.ok(response.headers.get('x-baton-request-id'), 'x-baton-request-id is set');
        assert.equal(response.headers.get('x-baton-attempts'), '1');
        assert.equal(response.headers.get('x-baton-fallbacks'), '0');

        const calls = await fake.calls('a', 1);
        assert.equal(calls.length, 1, 'exactly one upstream call');
        const [call] = calls;
        assert.equal(call.method, 'POST');
        assert.equal(call.path, '/a/v1/chat/completions');
        assert.equal(call.json?.model, 'up-a', 'forwarded with the deployment\'s upstream model name');
        assert.equal(call.headers.authorization, 'Bearer sk-test-a', 'forwarded with the deployment\'s own key');
        assert.deepEqual(call.json.messages, [{ role: 'user', content: USER_TEXT }]);
        assert.deepEqual(await fake.calls('b'), [], 'the backup deployment is not called');
    });

    e2eTest('streamed chat completion relays the upstream\'s chunks', children, async () => {
        await fake.reset();
        const { data: stream, response } = await openaiClient.chat.completions
            .create({ model: 'chat', messages: [{ role: 'user', content: USER_TEXT }], stream: true })
            .withResponse();
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.equal(response.headers.get('x-baton-deployment-id'), 'a');
        assert.equal(response.headers.get('x-baton-model-group'), 'chat');
        assert.equal(response.headers.get('x-baton-resolved'), 'openai/up-a');

        const got = await collectStream(stream);
        assert.equal(got.content, 'a-0 a-1 a-2 ', 'the fake upstream\'s default stream content');
        assert.deepEqual(got.roles, ['assistant']);
        assert.deepEqual(got.finishReasons, ['stop']);
        for (const c of got.chunks) {
            assert.equal(c.object, 'chat.completion.chunk');
            assert.equal(c.model, 'up-a');
        }

        const [call] = await fake.calls('a', 1);
        assert.equal(call.json?.model, 'up-a');
        assert.equal(call.json?.stream, true);
        assert.equal(call.headers.authorization, 'Bearer sk-test-a');
    });

    e2eTest('a stream cut mid-way continues on the other deployment as one message', children, async () => {
        await fake.reset();
        await fake.script('a', { stream: { chunks: 6, interval_ms: 5, cut_after: 3 } });

        const { data: stream, response } = await openaiClient.chat.completions
            .create({ model: 'chat', messages: [{ role: 'user', content: USER_TEXT }], stream: true })
            .withResponse();
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-baton-deployment-id'), 'a', 'headers name the first deployment');
        assert.equal(response.headers.get('x-baton-resolved'), 'openai/up-a');

        const got = await collectStream(stream); // must not throw: the failover is invisible to the client
        assert.equal(got.content, 'a-0 a-1 a-2 b-0 b-1 b-2 ', 'a\'s first 3 chunks, then b\'s');
        assert.deepEqual(got.roles, ['assistant'], 'exactly one role: b\'s role-only chunk is dropped');
        assert.deepEqual(got.finishReasons, ['stop'], 'the stream ends normally, once');
        const models = got.chunks.filter((c) => (c.choices ?? []).some((ch) => ch.delta?.content))
            .map((c) => c.model);
        assert.deepEqual(models, ['up-a', 'up-a', 'up-a', 'up-b', 'up-b', 'up-b'],
            'each relayed chunk keeps its upstream\'s own model');

        const aCalls = await fake.calls('a', 1);
        assert.equal(aCalls.length, 1, 'a is tried once');
        const bCalls = await fake.calls('b', 1);
        assert.equal(bCalls.length, 1, 'b is called once, to continue');
        const b = bCalls[0];
        assert.equal(b.json?.model, 'up-b');
        assert.equal(b.json?.stream, true);
        assert.equal(b.headers.authorization, 'Bearer sk-test-b');
        const messages = b.json.messages;
        assert.ok(Array.isArray(messages), `b got messages: ${b.body}`);
        assert.deepEqual(messages[0], { role: 'user', content: USER_TEXT }, 'the original messages come first');
        const partial = messages.findIndex((m) => m.role === 'assistant' &&
            typeof m.content === 'string' && m.content.trim() === 'a-0 a-1 a-2');
        assert.ok(partial >= 1, `b's request carries the partial text as an assistant message: ${b.body}`);
    });

    e2eTest('a streamed response counts its upstream attempt in x-baton-attempts', children, async () => {
        // SPEC §4: the routing headers, x-baton-attempts (upstream attempts made) included, are the same for
        // streams; they go out with the first upstream event, when one attempt has been made.
        await fake.reset();
        const { data: stream, response } = await openaiClient.chat.completions
            .create({ model: 'chat', messages: [{ role: 'user', content: USER_TEXT }], stream: true })
            .withResponse();
        const got = await collectStream(stream);
        assert.equal(got.content, 'a-0 a-1 a-2 ');
        assert.equal(response.headers.get('x-baton-deployment-id'), 'a');
        assert.equal(response.headers.get('x-baton-fallbacks'), '0');
        assert.equal(response.headers.get('x-baton-attempts'), '1');
    });

    e2eTest('an unknown model is a 404 model_not_found APIError', children, async () => {
        await fake.reset();
        await assert.rejects(
            openaiClient.chat.completions.create({
                model: 'no-such-model',
                messages: [{ role: 'user', content: USER_TEXT }],
            }),
            (err) => {
                assert.ok(err instanceof APIError, `an APIError, got ${err?.constructor?.name}: ${err?.message}`);
                assert.ok(err instanceof NotFoundError, `a NotFoundError, got ${err.constructor.name}`);
                assert.equal(err.status, 404);
                assert.equal(err.code, 'model_not_found');
                assert.equal(err.type, 'invalid_request_error');
                return true;
            },
        );
        assert.deepEqual(await fake.calls('a'), [], 'nothing reaches an upstream');
        assert.deepEqual(await fake.calls('b'), []);
    });

    e2eTest('the whole batch flow: files.create, batches.create, retrieve until done, files.content', children, async () => {
        await fake.reset();
        const lines = ['b-1', 'b-2', 'b-3'].map((id) => JSON.stringify({
            custom_id: id, method: 'POST', url: '/v1/chat/completions',
            body: { model: 'chat', messages: [{ role: 'user', content: id }] },
        }));
        const input = lines.join('\n') + '\n';
        const file = await openaiClient.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
        assert.equal(file.object, 'file');
        assert.equal(file.purpose, 'batch');
        assert.equal(file.bytes, Buffer.byteLength(input));
        assert.equal(file.filename, 'input.jsonl');
        assert.equal(await (await openaiClient.files.content(file.id)).text(), input);

        const created = await openaiClient.batches.create({
            input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { run: 'e2e' },
        });
        assert.equal(created.object, 'batch');
        assert.equal(created.status, 'validating');
        assert.deepEqual(created.metadata, { run: 'e2e' });

        const done = await waitBatch(openaiClient, created.id, ['completed', 'failed', 'expired', 'cancelled']);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.request_counts, { total: 3, completed: 3, failed: 0 });
        assert.equal(done.error_file_id, null);
        const out = (await (await openaiClient.files.content(done.output_file_id)).text()).trim().split('\n').map((l) => JSON.parse(l));
        assert.deepEqual(out.map((r) => r.custom_id).sort(), ['b-1', 'b-2', 'b-3']);
        for (const row of out) {
            assert.equal(row.response.status_code, 200);
            assert.equal(row.response.body.choices[0].message.content, 'ok from a');
            assert.equal(row.error, null);
        }
        // The list pages, the 409 of a finished batch, the 404 of an unknown one, the 400 of a bad create.
        const page = await openaiClient.batches.list({ limit: 10 });
        assert.ok(page.data.some((b) => b.id === created.id));
        await assert.rejects(openaiClient.batches.cancel(created.id), (err) => err instanceof ConflictError);
        await assert.rejects(openaiClient.batches.retrieve('batch_nope'), (err) => err instanceof NotFoundError);
        await assert.rejects(
            openaiClient.batches.create({ input_file_id: file.id, endpoint: '/v1/nope', completion_window: '24h' }),
            (err) => err instanceof BadRequestError && err.param === 'endpoint');
        const deleted = await openaiClient.files.del?.(file.id) ?? await openaiClient.files.delete(file.id);
        assert.equal(deleted.deleted, true);
        assert.equal((await fake.calls('a')).length, 3);
    });
});

// ---------------------------------------------------------------------------------------------------------
// The built-in echo provider: batond alone, no upstream process at all.

describe('batond with the built-in baton/echo provider', () => {
    let world;
    let baton;
    let openaiClient;

    before(async () => {
        world = await new World().init();
        baton = await world.startBatond(`
model_list:
  - model_name: echo
    litellm_params: {model: baton/echo}
    model_info: {id: echo-1}
general_settings: {listen: 127.0.0.1:0, threads: 1, data_dir: ${path.join(world.dir, 'data')}}
`);
        openaiClient = client(baton.baseURL);
    }, { timeout: HOOK_TIMEOUT_MS });

    after(async () => {
        await world?.close();
    }, { timeout: HOOK_TIMEOUT_MS });

    const children = () => [baton?.child].filter(Boolean);

    e2eTest('non-streamed echo', children, async () => {
        const { data, response } = await openaiClient.chat.completions
            .create({ model: 'echo', messages: [{ role: 'user', content: USER_TEXT }] })
            .withResponse();
        assert.equal(response.status, 200);
        assert.equal(data.object, 'chat.completion');
        assert.equal(data.choices[0].message.role, 'assistant');
        assert.equal(data.choices[0].message.content, USER_TEXT, 'echo answers with the last user message');
        assert.equal(data.choices[0].finish_reason, 'stop');
        assert.equal(response.headers.get('x-baton-deployment-id'), 'echo-1');
        assert.equal(response.headers.get('x-baton-model-group'), 'echo');
        assert.equal(response.headers.get('x-baton-resolved'), 'baton/echo');
        assert.equal(response.headers.get('x-baton-attempts'), '1');
    });

    e2eTest('streamed echo', children, async () => {
        const { data: stream, response } = await openaiClient.chat.completions
            .create({ model: 'echo', messages: [{ role: 'user', content: USER_TEXT }], stream: true })
            .withResponse();
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.equal(response.headers.get('x-baton-deployment-id'), 'echo-1');
        assert.equal(response.headers.get('x-baton-resolved'), 'baton/echo');

        const got = await collectStream(stream);
        assert.equal(got.content, USER_TEXT);
        assert.ok(got.chunks.length > 2, 'streamed in several chunks');
        assert.deepEqual(got.roles, ['assistant']);
        assert.deepEqual(got.finishReasons, ['stop']);
    });
});
