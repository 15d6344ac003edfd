using Fjord.Core.Functions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Fjord.Cli.Project;

/// <summary>
/// <c>retention: 1m</c> (one duration for every ended state) or
/// <c>retention: { succeeded: 7d, failed: 30d, canceled: 7d }</c> in fjord.yml.
/// </summary>
internal sealed class RetentionYaml : IYamlTypeConverter
{
    public bool Accepts(Type type) => type == typeof(RetentionDocument);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
            return RetentionDocument.ForAll(scalar.Value);
        parser.Consume<MappingStart>();
        var doc = new RetentionDocument();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (!parser.TryConsume<Scalar>(out var value))
                throw new YamlException(key.Start, key.End, $"retention.{key.Value} must be a duration like 7d");
            if (!doc.TrySet(key.Value, value.Value))
                throw new YamlException(key.Start, key.End, $"unknown key '{key.Value}' in retention (succeeded, failed, canceled)");
        }
        return doc;
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        throw new NotSupportedException("fjord.yml is only read");
}
