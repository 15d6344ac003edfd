<?php
// Turns a title into a URL slug: "Hello, Fjord!" -> {"slug": "hello-fjord", "words": 2}.
// echo and print go to the job's log, never into the result.

function handle(string $payload, array $context)
{
    $title = trim($payload);
    if ($title === '') {
        throw new InvalidArgumentException('the payload must be a title to slugify');
    }
    echo "slugifying {$title} in job {$context['jobId']}\n";
    $ascii = iconv('UTF-8', 'ASCII//TRANSLIT//IGNORE', $title) ?: $title;
    $slug = trim(preg_replace('/[^a-z0-9]+/', '-', strtolower($ascii)), '-');
    $separator = getenv('SLUG_SEPARATOR') ?: '-';
    return [
        'slug' => str_replace('-', $separator, $slug),
        'words' => $slug === '' ? 0 : count(explode('-', $slug)),
        'attempt' => $context['attempt'],
    ];
}
