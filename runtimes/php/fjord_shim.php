<?php
// Fjord's php shim: loads a function's handler and runs jobs sent over the shim protocol.
//
// Usage (the runner starts it so): sh -c 'exec 3>&1 4<&0 1>&2 0</dev/null; exec "$@"' _ php fjord_shim.php HANDLER.php --marker NONCE [--once]
//
// PHP cannot dup file descriptors either, so, as for node, the shell has already moved the
// protocol to fd 3 (out) and fd 4 (in), pointed fd 1 at stderr and fd 0 at /dev/null. On top of
// that the handler runs inside an output buffer that passes everything to stderr: echo, print and
// printf land in the job's log, never in the protocol or the result.
// See ../PROTOCOL.md for the frames.

declare(strict_types=1);

const FJORD_MAX_HEADER = 1 << 20;

$fjordArgs = array_slice($argv, 1);
$fjordHandlerPath = $fjordArgs[0] ?? '';
$fjordMarkerAt = array_search('--marker', $fjordArgs, true);
$fjordMarker = $fjordMarkerAt === false ? 'none' : ($fjordArgs[$fjordMarkerAt + 1] ?? 'none');
$fjordOnce = in_array('--once', $fjordArgs, true);

$fjordOut = fopen('php://fd/3', 'wb');
$fjordIn = fopen('php://fd/4', 'rb');
$fjordErr = fopen('php://stderr', 'wb');
if ($fjordOut === false || $fjordIn === false || $fjordErr === false) {
    fwrite(STDERR, "fjord_shim.php: the protocol descriptors 3 and 4 are not open\n");
    exit(2);
}

function fjord_write_all($stream, string $bytes): void
{
    $offset = 0;
    $length = strlen($bytes);
    while ($offset < $length) {
        $written = fwrite($stream, $offset === 0 ? $bytes : substr($bytes, $offset));
        if ($written === false || $written === 0) {
            exit(1); // the runner is gone
        }
        $offset += $written;
    }
    fflush($stream);
}

/** Reads exactly $n bytes; null at end of input. */
function fjord_read_exact($stream, int $n): ?string
{
    $chunks = '';
    while (strlen($chunks) < $n) {
        $chunk = fread($stream, min($n - strlen($chunks), 1 << 20));
        if ($chunk === false || ($chunk === '' && feof($stream))) {
            return null;
        }
        $chunks .= $chunk;
    }
    return $chunks;
}

/** @return array{0: ?array, 1: string} */
function fjord_read_frame($stream): array
{
    $prefix = fjord_read_exact($stream, 4);
    if ($prefix === null) {
        return [null, ''];
    }
    $length = unpack('N', $prefix)[1];
    if ($length > FJORD_MAX_HEADER) {
        exit(1);
    }
    $header = json_decode(fjord_read_exact($stream, $length) ?? 'null', true);
    if (!is_array($header)) {
        exit(1);
    }
    $size = (int)($header['size'] ?? 0);
    $body = $size > 0 ? (fjord_read_exact($stream, $size) ?? '') : '';
    return [$header, $body];
}

function fjord_send($stream, array $header, string $body = ''): void
{
    $header['size'] = strlen($body);
    $json = json_encode($header, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
    fjord_write_all($stream, pack('N', strlen($json)) . $json . $body);
}

/** Ends a job's log: everything on stderr before this line belongs to job $seq. */
function fjord_end_log(int $seq): void
{
    global $fjordErr, $fjordMarker;
    while (ob_get_level() > 0) {
        ob_end_flush();
    }
    fflush(STDERR);
    fjord_write_all($fjordErr, "\x1efjord-end:{$fjordMarker}:{$seq}\n");
}

/** Output buffering that hands every chunk to stderr at once (chunk size 1): the log stays live, so a timed-out job keeps what it printed. */
function fjord_capture_output(): void
{
    global $fjordErr;
    ob_start(static function (string $chunk) use ($fjordErr): string {
        if ($chunk !== '') {
            fwrite($fjordErr, $chunk);
        }
        return '';
    }, 1);
}

function fjord_describe(Throwable $e): string
{
    return get_class($e) . ': ' . $e->getMessage();
}

/** @return array{0: string, 1: string} bytes and content type */
function fjord_encode($result): array
{
    if (is_string($result)) {
        // PHP strings are bytes: valid UTF-8 is text, anything else is binary.
        return [$result, preg_match('//u', $result) === 1 ? 'text/plain; charset=utf-8' : 'application/octet-stream'];
    }
    return [json_encode($result, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION), 'application/json'];
}

function fjord_set_env(string $key, ?string $value): void
{
    if ($value === null || $value === '') {
        putenv($key);
        unset($_ENV[$key], $_SERVER[$key]);
    } else {
        putenv("$key=$value");
        $_ENV[$key] = $value;
        $_SERVER[$key] = $value;
    }
}

function fjord_run_job(callable $handle, array $header, string $body): void
{
    global $fjordOut, $fjordErr;
    fjord_set_env('FJORD_JOB_ID', (string)($header['id'] ?? ''));
    fjord_set_env('FJORD_ATTEMPT', (string)($header['attempt'] ?? ''));
    fjord_set_env('TRACEPARENT', $header['traceparent'] ?? null);
    fjord_set_env('TRACESTATE', $header['tracestate'] ?? null);
    // The attempt's W3C trace context is in traceparent/tracestate, for the handler's own spans.
    $context = [
        'jobId' => $header['id'] ?? null,
        'function' => $header['function'] ?? null,
        'attempt' => $header['attempt'] ?? null,
        'contentType' => $header['contentType'] ?? null,
        'traceparent' => $header['traceparent'] ?? null,
        'tracestate' => $header['tracestate'] ?? null,
    ];
    $seq = (int)($header['seq'] ?? 0);
    $out = '';
    fjord_capture_output();
    try {
        [$bytes, $contentType] = fjord_encode($handle($body, $context));
        $max = $header['maxSize'] ?? null;
        if ($max !== null && strlen($bytes) > $max) {
            throw new LengthException(sprintf('result of %d bytes exceeds the limit of %d bytes', strlen($bytes), $max));
        }
        $out = $bytes;
        $reply = ['type' => 'result', 'seq' => $seq, 'ok' => true, 'contentType' => $contentType];
    } catch (Throwable $e) {
        fwrite($fjordErr, $e . "\n");
        $reply = ['type' => 'result', 'seq' => $seq, 'ok' => false, 'kind' => 'exception', 'message' => fjord_describe($e)];
    }
    fjord_end_log($seq);
    fjord_send($fjordOut, $reply, $out);
}

function fjord_load_handler(string $path): callable
{
    fjord_capture_output();
    try {
        (static function (string $fjordHandlerFile): void {
            require $fjordHandlerFile;
        })($path);
    } finally {
        while (ob_get_level() > 0) {
            ob_end_flush();
        }
    }
    if (!function_exists('handle')) {
        throw new RuntimeException("$path defines no handle(string \$payload, array \$context) function");
    }
    return 'handle';
}

$fjordHandlerPath = realpath($fjordHandlerPath) ?: $fjordHandlerPath;
// The handler's folder comes first on the include path, like python's sys.path.
set_include_path(dirname($fjordHandlerPath) . PATH_SEPARATOR . get_include_path());
try {
    $fjordHandle = fjord_load_handler($fjordHandlerPath);
} catch (Throwable $e) {
    fwrite($fjordErr, $e . "\n");
    fjord_end_log(0);
    fjord_send($fjordOut, ['type' => 'fatal', 'message' => 'cannot load handler: ' . fjord_describe($e)]);
    exit(1);
}
fjord_end_log(0);
fjord_send($fjordOut, ['type' => 'ready', 'pid' => getmypid(), 'runtime' => 'php ' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION]);

while (true) {
    [$header, $body] = fjord_read_frame($fjordIn);
    if ($header === null) {
        exit(0);
    }
    if (($header['type'] ?? '') !== 'job') {
        continue;
    }
    fjord_run_job($fjordHandle, $header, $body);
    if ($fjordOnce) {
        exit(0);
    }
}
