using System.Security.Cryptography;

namespace Fjord.Core.Images;

/// <summary>Copies a stream while hashing it, counting the bytes actually read (never a header's claim)
/// against what is left of a limit.</summary>
internal static class BoundedCopy
{
    public static long Run(Stream input, Stream output, IncrementalHash? hash, long remaining, string what)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            copied += read;
            if (copied > remaining)
            {
                throw new InvalidImageException($"{what} is larger than its limit");
            }
            hash?.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
        }
        return copied;
    }
}
