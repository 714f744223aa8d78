using SkiaSharp;

namespace BatchEditor.Imaging;

/// <summary>
/// What the output checks need of an image, read without holding it decoded: its kind, its size and a coarse grid of
/// mean luminance (<see cref="GridSide"/> × <see cref="GridSide"/> cells). Rows are decoded one at a time where the
/// codec allows it (PNG, JPEG), so memory stays at one row however large the image; other images (WebP, interlaced
/// PNG) are decoded whole, one at a time, within <see cref="MaxSide"/>.
/// </summary>
public sealed record ImageFingerprint(ImageKind? Kind, int Width, int Height, double[] Grid)
{
    public const int GridSide = 32;

    /// <summary>The largest side a check decodes (larger is a failed check, not a worker's memory).</summary>
    public const int MaxSide = 16_384;

    /// <summary>Width ÷ height.</summary>
    public double Aspect => (double)Width / Height;

    /// <summary>The standard deviation of the cells' luminance (0–255): near 0 for a blank or flat image.</summary>
    public double Spread
    {
        get
        {
            var mean = Grid.Average();
            return Math.Sqrt(Grid.Sum(v => (v - mean) * (v - mean)) / Grid.Length);
        }
    }

    /// <summary>The mean absolute difference of two images' cells (0–255): near 0 for the same picture at any size.</summary>
    public double DifferenceFrom(ImageFingerprint other) => Grid.Zip(other.Grid, (a, b) => Math.Abs(a - b)).Average();

    /// <summary>Reads <paramref name="content"/> (seekable); throws <see cref="InvalidDataException"/> for what is not a decodable image.</summary>
    public static ImageFingerprint Read(Stream content)
    {
        var head = new byte[ImageKind.SniffLength];
        var read = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var kind = ImageKind.Sniff(head.AsSpan(0, read));
        content.Position = 0;
        using var stream = new SKManagedStream(content, disposeManagedStream: false);
        using var codec = SKCodec.Create(stream) ?? throw new InvalidDataException("not an image that can be decoded");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide)
            throw new InvalidDataException($"{width}x{height} is outside what can be checked ({MaxSide} pixels a side)");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var cells = new Cells(width, height);
        if (codec.StartScanlineDecode(info) == SKCodecResult.Success && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
        {
            var row = new byte[info.RowBytes];
            var native = System.Runtime.InteropServices.Marshal.AllocHGlobal(info.RowBytes);
            try
            {
                for (var y = 0; y < height; y++)
                {
                    if (codec.GetScanlines(native, 1, info.RowBytes) != 1) throw new InvalidDataException($"the image's data is cut short at row {y + 1}");
                    System.Runtime.InteropServices.Marshal.Copy(native, row, 0, info.RowBytes);
                    cells.AddRow(y, row);
                }
            }
            finally
            {
                System.Runtime.InteropServices.Marshal.FreeHGlobal(native);
            }
        }
        else
        {
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput)) throw new InvalidDataException($"the image cannot be decoded ({result})");
            if (result == SKCodecResult.IncompleteInput) throw new InvalidDataException("the image's data is cut short");
            var pixels = bitmap.GetPixelSpan();
            for (var y = 0; y < height; y++) cells.AddRow(y, pixels.Slice(y * info.RowBytes, info.RowBytes));
        }
        return new(kind, width, height, cells.Means());
    }

    /// <summary>Sums of luminance per grid cell.</summary>
    private sealed class Cells(int width, int height)
    {
        private readonly double[] _sum = new double[GridSide * GridSide];
        private readonly long[] _count = new long[GridSide * GridSide];

        public void AddRow(int y, ReadOnlySpan<byte> rgba)
        {
            var cy = (int)((long)y * GridSide / height);
            for (var x = 0; x < width; x++)
            {
                var cell = cy * GridSide + (int)((long)x * GridSide / width);
                var p = x * 4;
                _sum[cell] += 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
                _count[cell]++;
            }
        }

        /// <summary>Each cell's mean; an image smaller than the grid leaves cells empty, which take their row's value.</summary>
        public double[] Means()
        {
            var means = new double[_sum.Length];
            for (var i = 0; i < means.Length; i++) means[i] = _count[i] > 0 ? _sum[i] / _count[i] : double.NaN;
            for (var i = 0; i < means.Length; i++)
                if (double.IsNaN(means[i])) means[i] = Nearest(means, i);
            return means;
        }

        private static double Nearest(double[] means, int i)
        {
            for (var d = 1; d < means.Length; d++)
            {
                if (i - d >= 0 && !double.IsNaN(means[i - d])) return means[i - d];
                if (i + d < means.Length && !double.IsNaN(means[i + d])) return means[i + d];
            }
            return 0;
        }
    }
}
