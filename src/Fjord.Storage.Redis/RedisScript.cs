using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// One Lua script, sent by its SHA1 (EVALSHA). Redis keeps scripts in memory only, so after a
/// restart the first call answers NOSCRIPT: the script is loaded again and the call repeated
/// (safe: NOSCRIPT means it did not run).
/// </summary>
internal sealed class RedisScript(string text)
{
    private readonly byte[] _sha = SHA1.HashData(Encoding.UTF8.GetBytes(text));

    public string Text { get; } = text;

    public async Task<RedisResult> RunAsync(IDatabase db, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha, [], args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            await db.ExecuteAsync("SCRIPT", "LOAD", Text);
            return await db.ScriptEvaluateAsync(_sha, [], args);
        }
    }
}
