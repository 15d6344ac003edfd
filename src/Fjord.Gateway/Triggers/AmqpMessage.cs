using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Fjord.Gateway.Triggers;

/// <summary>
/// What Fjord keeps of one delivered message: the body as the payload, its properties and headers
/// as the trigger's context (<c>messageId</c>, <c>correlationId</c>, …, <c>headers.NAME</c>), and
/// an idempotency key from the queue and the message id, so a redelivery (or a publisher's retry
/// with the same id) finds the earlier job instead of making a second one.
/// </summary>
internal static class AmqpMessage
{
    /// <summary>Longer keys are hashed; the readable form helps an operator looking at the store.</summary>
    private const int MaxReadableKey = 200;

    public static string? IdempotencyKey(string queue, string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
            return null;
        var key = "amqp:" + queue + ":" + messageId;
        if (key.Length <= MaxReadableKey)
            return key;
        return "amqp:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queue + "\n" + messageId)));
    }

    public static JobTrigger Trigger(AmqpTrigger trigger, BasicDeliverEventArgs delivery)
    {
        var context = new Dictionary<string, string>(StringComparer.Ordinal) { ["queue"] = trigger.Queue };
        var p = delivery.BasicProperties;
        Put(context, "messageId", p.IsMessageIdPresent() ? p.MessageId : null);
        Put(context, "correlationId", p.IsCorrelationIdPresent() ? p.CorrelationId : null);
        Put(context, "type", p.IsTypePresent() ? p.Type : null);
        Put(context, "appId", p.IsAppIdPresent() ? p.AppId : null);
        Put(context, "userId", p.IsUserIdPresent() ? p.UserId : null);
        Put(context, "replyTo", p.IsReplyToPresent() ? p.ReplyTo : null);
        Put(context, "contentType", p.IsContentTypePresent() ? p.ContentType : null);
        Put(context, "contentEncoding", p.IsContentEncodingPresent() ? p.ContentEncoding : null);
        Put(context, "expiration", p.IsExpirationPresent() ? p.Expiration : null);
        if (p.IsPriorityPresent())
            context["priority"] = p.Priority.ToString(CultureInfo.InvariantCulture);
        if (p.IsTimestampPresent())
            context["timestamp"] = DateTimeOffset.FromUnixTimeSeconds(p.Timestamp.UnixTime).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        context["exchange"] = delivery.Exchange;
        context["routingKey"] = delivery.RoutingKey;
        context["redelivered"] = delivery.Redelivered ? "true" : "false";
        if (p.IsHeadersPresent() && p.Headers is { } headers)
        {
            foreach (var (key, value) in headers)
            {
                if (value is not null)
                    context["headers." + key] = Text(value);
            }
        }
        return new JobTrigger { Kind = JobTrigger.Amqp, Name = trigger.Name, Context = context };
    }

    /// <summary>A header as text (AMQP strings arrive as bytes); null when absent.</summary>
    public static string? Header(IReadOnlyBasicProperties properties, string name) =>
        properties.IsHeadersPresent() && properties.Headers is { } headers && headers.TryGetValue(name, out var value) && value is not null
            ? Text(value)
            : null;

    private static void Put(Dictionary<string, string> context, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            context[key] = value;
    }

    private static string Text(object value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        bool b => b ? "true" : "false",
        AmqpTimestamp t => t.UnixTime.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => $"{k}:{(d[k] is { } v ? Text(v) : "")}")) + "}",
        IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(v => v is null ? "" : Text(v))) + "]",
        _ => value.ToString() ?? "",
    };
}
