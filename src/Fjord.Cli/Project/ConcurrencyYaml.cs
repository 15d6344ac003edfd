using System.Globalization;
using Fjord.Core.Functions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Fjord.Cli.Project;

/// <summary>
/// <c>concurrency: 4</c> or <c>concurrency: { min: 0, max: 16 }</c> in fjord.yml. A value of
/// neither form is kept as text, so the deploy check names the field like every other one.
/// </summary>
internal sealed class ConcurrencyYaml : IYamlTypeConverter
{
    public bool Accepts(Type type) => type == typeof(ConcurrencyDocument);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? ConcurrencyDocument.FromInt32(n)
                : new ConcurrencyDocument { Invalid = scalar.Value };
        }
        if (parser.TryConsume<MappingStart>(out _))
        {
            var doc = new ConcurrencyDocument();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>().Value;
                if (!parser.TryConsume<Scalar>(out var value))
                {
                    parser.SkipThisAndNestedEvents();
                    doc.Invalid = $"{key} is not a whole number";
                    continue;
                }
                int? number = int.TryParse(value.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
                if (number is null)
                    doc.Invalid = $"{key} '{value.Value}' is not a whole number";
                else if (key == "min")
                    doc.Min = number;
                else if (key == "max")
                    doc.Max = number;
                else
                    doc.Invalid = $"unknown key '{key}'";
            }
            return doc;
        }
        parser.SkipThisAndNestedEvents();
        return new ConcurrencyDocument { Invalid = "a list" };
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        throw new NotSupportedException("fjord.yml is only read");
}
